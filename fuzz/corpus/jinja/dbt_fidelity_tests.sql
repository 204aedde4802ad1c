0{% test row_count_above(model, min) %}
select n from (select count(*) as n from {{ model }}) as counted where n <= {{ min }}
{% endtest %}
