# Used by test_gdb.sh: break in the map update, print the key, go on.
break rhtab_map_update_elem
commands
  silent
  printf "gdb: update key=0x%x\n", *(unsigned int *)key
  bt 4
  continue
end
run
