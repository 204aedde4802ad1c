select 1::integer as id, 'x' as label
