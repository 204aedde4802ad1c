{# the root project overrides one of pkgkit's implementations #}
{% macro duckdb__label(x) -%} 'root:' || {{ x }} {%- endmacro %}
