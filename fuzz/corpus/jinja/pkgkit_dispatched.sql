0{# Three macros dispatched the way dbt packages do it; which
   implementation wins shows the search order. #}
{% macro label(x) -%}
  {{ return(adapter.dispatch('label', 'pkgkit')(x)) }}
{%- endmacro %}
{% macro default__label(x) -%} 'kit:' || {{ x }} {%- endmacro %}

{% macro shout(x) -%}
  {{ return(adapter.dispatch('shout', 'pkgkit')(x)) }}
{%- endmacro %}
{% macro default__shout(x) -%} upper({{ x }}) {%- endmacro %}
{% macro duckdb__shout(x) -%} upper({{ x }}) || '{{ var("pkgkit:mark") }}' {%- endmacro %}

{% macro plain(x) -%}
  {{ return(adapter.dispatch('plain', 'pkgkit')(x)) }}
{%- endmacro %}
{% macro default__plain(x) -%} 'default' {%- endmacro %}
{% macro duckdb__plain(x) -%} 'duckdb:' || {{ x }} {%- endmacro %}
