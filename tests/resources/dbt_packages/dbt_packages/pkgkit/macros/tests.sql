{# Generic tests written as dbt_utils writes them: keyword arguments,
   the test's own arguments forwarded with **kwargs to a dispatched body. #}
{% test all_at_least(model) %}
  {{ return(adapter.dispatch('test_all_at_least', 'pkgkit')(model, **kwargs)) }}
{% endtest %}

{% macro default__test_all_at_least(model) %}
select * from {{ model }} where {{ kwargs.get('column_name') }} < {{ kwargs.get('minimum', 0) }}
{% endmacro %}

{% test rows_between(model, min_rows=0, max_rows=none) %}
{{ config(severity='error') }}
select n from (select count(*) as n from {{ model }}) as counted
where n < {{ min_rows }}{% if max_rows is not none %} or n > {{ max_rows }}{% endif %}
{% endtest %}

{# failures are the summed excess (fail_calc); the YAML's severity wins
   over the one set here #}
{% test total_excess(model, column_name, ceiling) %}
{{ config(fail_calc='sum(excess)', severity='error') }}
select {{ column_name }} - {{ ceiling }} as excess from {{ model }} where {{ column_name }} > {{ ceiling }}
{% endtest %}
