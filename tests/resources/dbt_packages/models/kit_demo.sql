-- dispatch: the root's duckdb__label, pkgshim's duckdb__shout (dispatch
-- config), pkgkit's duckdb__plain over its default__plain
select
  {{ pkgkit.label("'a'") }} as label,
  {{ pkgkit.shout("'b'") }} as shout,
  {{ pkgkit.plain("'c'") }} as plain,
  {{ pkgs_demo.duckdb__label("'n'") }} as root_namespace,
  {{ dbt.concat(["'x'", "'-'", "'y'"]) }} as concatenated,
  cast({{ dbt.dateadd('day', 3, "date '2024-01-30'") }} as date) as three_days_later,
  {{ dbt.datediff("date '2024-01-01'", "date '2024-03-01'", 'day') }} as days_between,
  cast(42 as {{ dbt.type_string() }}) as as_text,
  {{ dbt.hash("'floe'") }} as hashed,
  {{ dbt.safe_cast("'nope'", dbt.type_int()) }} as not_a_number,
  {{ dbt.split_part("'a.b.c'", "'.'", 2) }} as second_part
