# Turns a module's policy fragment (a .lua file) into C, so the module
# carries it: <SYMBOL>[] holds the text and <SYMBOL>_file[] the file's
# name, which erpd puts in every error about it ("notes.lua:3: ...").
# Invoked as: cmake -DOUT=file.c -DSYMBOL=name -DFILE=path.lua -P
get_filename_component(base "${FILE}" NAME)
file(READ "${FILE}" lua)
string(REPLACE "\\" "\\\\" lua "${lua}")
string(REPLACE "\"" "\\\"" lua "${lua}")
string(REPLACE "\n" "\\n\"\n    \"" lua "${lua}")
set(body "/* generated from ${base} by cmake/embed_lua.cmake */\n")
string(APPEND body "const char ${SYMBOL}[] =\n    \"${lua}\";\n")
string(APPEND body "const char ${SYMBOL}_file[] = \"${base}\";\n")
file(WRITE "${OUT}.tmp" "${body}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
