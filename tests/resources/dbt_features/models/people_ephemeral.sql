{{ config(materialized='ephemeral') }}
select id, name, coalesce(score, 0) as score from {{ ref('people') }}
