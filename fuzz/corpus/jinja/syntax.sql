0{% macro m(a, b=2, *args, **kw) -%}
{% set ns = namespace(x=0) %}{% for i in range(a) if i is odd %}{{ loop.index }}{{ ns.x }}{% set ns.x = ns.x + i %}{% else %}none{% endfor %}
{% if a > 1 and not b %}{{ a ~ b | string | upper }}{% elif a in [1,2] %}{{ {"k": a}["k"] }}{% endif %}
{% call(x) other(1) %}{{ x }}{% endcall %}{# c #}{%- endmacro %}
{% docs d %}text{% enddocs %}
{% materialization table, default %}{{ return(1) }}{% endmaterialization %}
