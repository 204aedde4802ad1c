{# an adapter shim: wins over pkgkit's duckdb__shout through the project's dispatch config #}
{% macro duckdb__shout(x) -%} 'shim:' || upper({{ x }}) {%- endmacro %}
