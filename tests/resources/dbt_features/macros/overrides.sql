{% materialization table, adapter='duckdb' %}
  {{ return({'relations': []}) }}
{% endmaterialization %}
