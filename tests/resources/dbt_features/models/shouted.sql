select {{ my_utils.shout("'hey'") }} as s, 5 as n
