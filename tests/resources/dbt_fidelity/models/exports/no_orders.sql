{{ config(materialized='external') }}
select order_id, amount from {{ ref('orders') }} where amount > 1000000
