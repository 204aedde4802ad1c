{{ config(materialized='ephemeral') }}
select * from {{ ref('big') }} where k = 1
