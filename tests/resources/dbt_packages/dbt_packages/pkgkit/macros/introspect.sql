{# The column list of a relation without some columns, from
   adapter.get_columns_in_relation (a star() of our own). #}
{% macro columns_except(relation, except=[]) -%}
  {%- if not execute -%}{{ return('*') }}{%- endif -%}
  {%- set keep = [] -%}
  {%- for col in adapter.get_columns_in_relation(relation) -%}
    {%- if col.name | lower not in except | map('lower') | list -%}
      {%- do keep.append(col.quoted ~ ' /* ' ~ col.dtype ~ (' string' if col.is_string() else '') ~ ' */') -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(keep | join(', ')) }}
{%- endmacro %}

{# Facts about a relation through statement/load_result and run_query's
   agate table. #}
{% macro table_facts(relation) -%}
  {%- call statement('counted', fetch_result=True) -%}
    select count(*) as n, max(amount) as top from {{ relation }}
  {%- endcall -%}
  {%- set counted = load_result('counted') -%}
  {%- set t = run_query('select id, kind from ' ~ relation ~ ' order by id') -%}
  {%- if execute -%}
    {%- set facts = {
        'n': counted['data'][0][0],
        'top': counted['table'].rows[0]['top'],
        'columns': t.column_names | join('+'),
        'id_sum': t.columns[0].values() | sum,
        'kinds': t.columns['kind'].values() | unique | join('+'),
        'second_kind': t.rows[1]['kind'],
        'first_kind': t[0][1],
        'rows': t | length,
    } -%}
  {%- else -%}
    {%- set facts = {} -%}
  {%- endif -%}
  {{ return(facts) }}
{%- endmacro %}
