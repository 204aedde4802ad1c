-- fails: every row of tricky
select * from {{ ref('tricky') }} where id > 0
