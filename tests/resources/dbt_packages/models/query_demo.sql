{% set f = pkgkit.table_facts(ref('events')) %}
select
  {{ f.get('n', 0) }} as n,
  {{ f.get('top', 0) }} as top,
  '{{ f.get('columns', '') }}' as columns,
  {{ f.get('id_sum', 0) }} as id_sum,
  '{{ f.get('kinds', '') }}' as kinds,
  '{{ f.get('second_kind', '') }}' as second_kind,
  '{{ f.get('first_kind', '') }}' as first_kind,
  {{ f.get('rows', 0) }} as n_rows
