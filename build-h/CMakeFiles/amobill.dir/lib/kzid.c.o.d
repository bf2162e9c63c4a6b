CMakeFiles/amobill.dir/lib/kzid.c.o: /work/main/lib/kzid.c \
 /usr/include/stdc-predef.h /work/main/lib/kzid.h \
 /usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h
