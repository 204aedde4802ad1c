{#- Context macros that are Jinja in dbt too, loaded into the package
    `dbt` before the cross-database macros (embedded at build time;
    dbt_adapter.c). statement runs its call block once execute is true. -#}
{% macro statement(name=none, fetch_result=false, auto_begin=true, language='sql') -%}
    {%- if execute -%}
    {%- do _floe_statement(name, caller(), fetch_result) -%}
    {%- endif -%}
    {%- endmacro %}
{% macro should_store_failures() -%}
    {%- set v = config.get('store_failures') -%}
    {{ return(flags.STORE_FAILURES if v is none else v) }}
    {%- endmacro %}
{% macro should_full_refresh() -%}
    {%- set v = config.get('full_refresh') -%}
    {{ return(flags.FULL_REFRESH if v is none else v) }}
    {%- endmacro %}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
    {{ return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') }}
    {%- else -%}
    {{ return(relation) }}
    {%- endif -%}
    {%- endmacro %}
