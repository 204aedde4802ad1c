{# a generic test of the project, defined under tests/generic/ #}
{% test ids_without_gaps(model, column_name) %}
select * from (
  select {{ column_name }} as id, lag({{ column_name }}) over (order by {{ column_name }}) as previous
  from {{ model }}
) as ids where previous is not null and id != previous + 1
{% endtest %}
