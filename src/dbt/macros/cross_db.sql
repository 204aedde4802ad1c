{#- floe's cross-database macros in DuckDB SQL, the package `dbt` (embedded
    at build time; dbt_adapter.c). Each name(params) dispatches as dbt's
    own does (adapter.dispatch(name, 'dbt'): a project's duckdb__name wins)
    to duckdb__name(params), floe's DuckDB SQL. -#}
{% macro type_string() %}{{ return(adapter.dispatch('type_string', 'dbt')()) }}{% endmacro %}
{% macro duckdb__type_string() %}{{ return('text') }}{% endmacro %}
{% macro type_timestamp() %}{{ return(adapter.dispatch('type_timestamp', 'dbt')()) }}{% endmacro %}
{% macro duckdb__type_timestamp() %}{{ return('timestamp') }}{% endmacro %}
{% macro type_float() %}{{ return(adapter.dispatch('type_float', 'dbt')()) }}{% endmacro %}
{% macro duckdb__type_float() %}{{ return('float') }}{% endmacro %}
{% macro type_numeric() %}{{ return(adapter.dispatch('type_numeric', 'dbt')()) }}{% endmacro %}
{% macro duckdb__type_numeric() %}{{ return('numeric(28,6)') }}{% endmacro %}
{% macro type_bigint() %}{{ return(adapter.dispatch('type_bigint', 'dbt')()) }}{% endmacro %}
{% macro duckdb__type_bigint() %}{{ return('bigint') }}{% endmacro %}
{% macro type_int() %}{{ return(adapter.dispatch('type_int', 'dbt')()) }}{% endmacro %}
{% macro duckdb__type_int() %}{{ return('integer') }}{% endmacro %}
{% macro type_boolean() %}{{ return(adapter.dispatch('type_boolean', 'dbt')()) }}{% endmacro %}
{% macro duckdb__type_boolean() %}{{ return('boolean') }}{% endmacro %}
{% macro current_timestamp() %}{{ return(adapter.dispatch('current_timestamp', 'dbt')()) }}{% endmacro %}
{% macro duckdb__current_timestamp() %}now(){% endmacro %}
{% macro any_value(expression) %}{{ return(adapter.dispatch('any_value', 'dbt')(expression)) }}{% endmacro %}
{% macro duckdb__any_value(expression) %}any_value({{ expression }}){% endmacro %}
{% macro bool_or(expression) %}{{ return(adapter.dispatch('bool_or', 'dbt')(expression)) }}{% endmacro %}
{% macro duckdb__bool_or(expression) %}bool_or({{ expression }}){% endmacro %}
{% macro cast(field, type) %}{{ return(adapter.dispatch('cast', 'dbt')(field, type)) }}{% endmacro %}
{% macro duckdb__cast(field, type) %}cast({{ field }} as {{ type }}){% endmacro %}
{% macro safe_cast(field, type) %}{{ return(adapter.dispatch('safe_cast', 'dbt')(field, type)) }}{% endmacro %}
{% macro duckdb__safe_cast(field, type) %}try_cast({{ field }} as {{ type }}){% endmacro %}
{% macro cast_bool_to_text(field) %}{{ return(adapter.dispatch('cast_bool_to_text', 'dbt')(field)) }}{% endmacro %}
{% macro duckdb__cast_bool_to_text(field) %}cast({{ field }} as text){% endmacro %}
{% macro concat(fields) %}{{ return(adapter.dispatch('concat', 'dbt')(fields)) }}{% endmacro %}
{% macro duckdb__concat(fields) %}{{ fields | join(' || ') }}{% endmacro %}
{% macro hash(field) %}{{ return(adapter.dispatch('hash', 'dbt')(field)) }}{% endmacro %}
{% macro duckdb__hash(field) %}md5(cast({{ field }} as text)){% endmacro %}
{% macro length(expression) %}{{ return(adapter.dispatch('length', 'dbt')(expression)) }}{% endmacro %}
{% macro duckdb__length(expression) %}length({{ expression }}){% endmacro %}
{% macro position(substring_text, string_text) %}{{ return(adapter.dispatch('position', 'dbt')(substring_text, string_text)) }}{% endmacro %}
{% macro duckdb__position(substring_text, string_text) %}position({{ substring_text }} in {{ string_text }}){% endmacro %}
{% macro replace(field, old_chars, new_chars) %}{{ return(adapter.dispatch('replace', 'dbt')(field, old_chars, new_chars)) }}{% endmacro %}
{% macro duckdb__replace(field, old_chars, new_chars) %}replace({{ field }}, {{ old_chars }}, {{ new_chars }}){% endmacro %}
{% macro right(string_text, length_expression) %}{{ return(adapter.dispatch('right', 'dbt')(string_text, length_expression)) }}{% endmacro %}
{% macro duckdb__right(string_text, length_expression) %}right({{ string_text }}, {{ length_expression }}){% endmacro %}
{% macro split_part(string_text, delimiter_text, part_number) %}{{ return(adapter.dispatch('split_part', 'dbt')(string_text, delimiter_text, part_number)) }}{% endmacro %}
{% macro duckdb__split_part(string_text, delimiter_text, part_number) %}split_part({{ string_text }}, {{ delimiter_text }}, {{ part_number }}){% endmacro %}
{% macro string_literal(value) %}{{ return(adapter.dispatch('string_literal', 'dbt')(value)) }}{% endmacro %}
{% macro duckdb__string_literal(value) %}'{{ value }}'{% endmacro %}
{% macro escape_single_quotes(expression) %}{{ return(adapter.dispatch('escape_single_quotes', 'dbt')(expression)) }}{% endmacro %}
{% macro duckdb__escape_single_quotes(expression) %}{{ expression | replace("'", "''") }}{% endmacro %}
{% macro except() %}{{ return(adapter.dispatch('except', 'dbt')()) }}{% endmacro %}
{% macro duckdb__except() %}except{% endmacro %}
{% macro intersect() %}{{ return(adapter.dispatch('intersect', 'dbt')()) }}{% endmacro %}
{% macro duckdb__intersect() %}intersect{% endmacro %}
{% macro equals(expr1, expr2) %}{{ return(adapter.dispatch('equals', 'dbt')(expr1, expr2)) }}{% endmacro %}
{% macro duckdb__equals(expr1, expr2) %}({{ expr1 }} = {{ expr2 }}){% endmacro %}
{% macro date(year, month, day) %}{{ return(adapter.dispatch('date', 'dbt')(year, month, day)) }}{% endmacro %}
{% macro duckdb__date(year, month, day) %}make_date({{ year }}, {{ month }}, {{ day }}){% endmacro %}
{% macro date_trunc(datepart, date) %}{{ return(adapter.dispatch('date_trunc', 'dbt')(datepart, date)) }}{% endmacro %}
{% macro duckdb__date_trunc(datepart, date) %}date_trunc('{{ datepart }}', {{ date }}){% endmacro %}
{% macro dateadd(datepart, interval, from_date_or_timestamp) %}{{ return(adapter.dispatch('dateadd', 'dbt')(datepart, interval, from_date_or_timestamp)) }}{% endmacro %}
{% macro duckdb__dateadd(datepart, interval, from_date_or_timestamp) %}
    {%- set unit = datepart | lower | trim -%}
    {%- set n = 'cast(' ~ interval ~ ' as bigint)' -%}
    {%- set start = from_date_or_timestamp | string | trim -%}
    {%- if start.startswith("'") and start.endswith("'") -%}
    {%- set start = 'cast(' ~ start ~ ' as timestamp)' -%}
    {%- endif -%}
    ({{ start }} + {%- if unit == 'quarter' %} to_months(3 * {{ n }})
    {%- else %} to_{{ unit }}s({{ n }}){% endif %}){% endmacro %}
{% macro datediff(first_date, second_date, datepart) %}{{ return(adapter.dispatch('datediff', 'dbt')(first_date, second_date, datepart)) }}{% endmacro %}
{% macro duckdb__datediff(first_date, second_date, datepart) %}date_diff('{{ datepart | lower | trim }}', cast({{ first_date }} as timestamp), cast({{ second_date }} as timestamp)){% endmacro %}
{% macro last_day(date, datepart) %}{{ return(adapter.dispatch('last_day', 'dbt')(date, datepart)) }}{% endmacro %}
{% macro duckdb__last_day(date, datepart) %}cast({{ dbt.dateadd(datepart, 1, dbt.date_trunc(datepart, date)) }} - to_days(1) as date){% endmacro %}
{% macro listagg(measure, delimiter_text="','", order_by_clause=none, limit_num=none) %}{{ return(adapter.dispatch('listagg', 'dbt')(measure, delimiter_text, order_by_clause, limit_num)) }}{% endmacro %}
{% macro duckdb__listagg(measure, delimiter_text="','", order_by_clause=none, limit_num=none) %}
    {%- set order = (' ' ~ order_by_clause) if order_by_clause else '' -%}
    {%- if limit_num -%}
    array_to_string(list_slice(array_agg({{ measure }}{{ order }}), 1, {{ limit_num }}), {{ delimiter_text }})
    {%- else -%}
    string_agg({{ measure }}, {{ delimiter_text }}{{ order }})
    {%- endif -%}
    {% endmacro %}
{% macro array_construct(inputs=[], data_type='integer') %}{{ return(adapter.dispatch('array_construct', 'dbt')(inputs, data_type)) }}{% endmacro %}
{% macro duckdb__array_construct(inputs=[], data_type='integer') %}
    {%- if inputs | length > 0 -%}
    [{{ inputs | join(', ') }}]
    {%- else -%}
    cast([] as {{ data_type }}[])
    {%- endif -%}
    {% endmacro %}
{% macro array_append(array, new_element) %}{{ return(adapter.dispatch('array_append', 'dbt')(array, new_element)) }}{% endmacro %}
{% macro duckdb__array_append(array, new_element) %}list_append({{ array }}, {{ new_element }}){% endmacro %}
{% macro array_concat(array_1, array_2) %}{{ return(adapter.dispatch('array_concat', 'dbt')(array_1, array_2)) }}{% endmacro %}
{% macro duckdb__array_concat(array_1, array_2) %}list_concat({{ array_1 }}, {{ array_2 }}){% endmacro %}
{% macro get_powers_of_two(upper_bound) %}{{ return(adapter.dispatch('get_powers_of_two', 'dbt')(upper_bound)) }}{% endmacro %}
{% macro duckdb__get_powers_of_two(upper_bound) %}
    {%- if upper_bound <= 0 -%}
    {{ exceptions.raise_compiler_error('get_powers_of_two: the bound must be positive') }}
    {%- endif -%}
    {%- set ns = namespace(n=0) -%}
    {%- for i in range(64) if ns.n == 0 and 2 ** i >= upper_bound -%}
    {%- set ns.n = i -%}
    {%- endfor -%}
    {{ return(ns.n) }}{% endmacro %}
{% macro generate_series(upper_bound) %}{{ return(adapter.dispatch('generate_series', 'dbt')(upper_bound)) }}{% endmacro %}
{% macro duckdb__generate_series(upper_bound) %}select range as generated_number from range(1, {{ upper_bound }} + 1){% endmacro %}
{% macro get_intervals_between(start_date, end_date, datepart) %}{{ return(adapter.dispatch('get_intervals_between', 'dbt')(start_date, end_date, datepart)) }}{% endmacro %}
{% macro duckdb__get_intervals_between(start_date, end_date, datepart) %}
    {%- call statement('get_intervals_between', fetch_result=True) -%}
    select {{ dbt.datediff(start_date, end_date, datepart) }}
    {%- endcall -%}
    {%- set r = load_result('get_intervals_between') -%}
    {{ return(r['data'][0][0] if r and r['data'] else 1) }}{% endmacro %}
{% macro date_spine(datepart, start_date, end_date) %}{{ return(adapter.dispatch('date_spine', 'dbt')(datepart, start_date, end_date)) }}{% endmacro %}
{% macro duckdb__date_spine(datepart, start_date, end_date) %}select * from (select {{ dbt.dateadd(datepart, 'generated_number - 1', start_date) }} as date_{{ datepart }} from ({{ dbt.generate_series(dbt.get_intervals_between(start_date, end_date, datepart)) }}) as series) as spine where date_{{ datepart }} <= {{ end_date }}{% endmacro %}
