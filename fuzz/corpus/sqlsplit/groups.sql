SELECT (1, (2, ")", ')'), /* ) */ 3) -- )
; SELECT $a$ ) $a$