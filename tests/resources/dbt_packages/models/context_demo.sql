-- the context dbt packages read: model, this, builtins, graph, flags,
-- invocation_id, api.Relation
select
  '{{ model.name }}' as me,
  '{{ this }}' as this_rel,
  '{{ builtins.ref('events').identifier }}' as ref_ident,
  '{{ graph.nodes["model.pkgs_demo.amounts"].depends_on.nodes | join(",") if execute else "" }}' as amounts_deps,
  '{{ flags.WHICH }}' as which,
  {{ invocation_id | length }} as id_len,
  '{{ api.Relation.create(schema="s", identifier="t").include(schema=false) }}' as only_identifier
