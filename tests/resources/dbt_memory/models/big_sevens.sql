{{ config(materialized='view') }}
select * from {{ ref('big') }} where k = 0
