{{ config(materialized='external', table_format='iceberg') }}
select order_id from {{ ref('orders') }}
