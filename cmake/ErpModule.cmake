# erp_add_module(NAME SOURCES a.c ... [MIGRATIONS dir] [POLICY file.lua]):
# a feature module, built the way erpd loads it: a shared object without
# the "lib" prefix, hidden visibility (only erp_module is exported),
# compiled with only the public include/ directory, its numbered
# migrations/*.sql embedded as <NAME>_migrations and its policy fragment
# as <NAME>_policy (with <NAME>_policy_file, its name for errors).
# Installed with the header for out-of-tree modules.
include_guard(GLOBAL)

function(erp_add_module name)
	# this file's directory, wherever it was included from
	set(ERP_MODULE_CMAKE_DIR ${CMAKE_CURRENT_FUNCTION_LIST_DIR})
	cmake_parse_arguments(M ""
		"MIGRATIONS;OUTPUT_DIRECTORY;INCLUDE_DIR;POLICY" "SOURCES" ${ARGN})
	set(sources ${M_SOURCES})
	if(M_POLICY)
		get_filename_component(lua ${M_POLICY} ABSOLUTE)
		set(gen ${CMAKE_CURRENT_BINARY_DIR}/${name}_policy.c)
		add_custom_command(OUTPUT ${gen}
			COMMAND ${CMAKE_COMMAND} -DOUT=${gen}
				-DSYMBOL=${name}_policy -DFILE=${lua}
				-P ${ERP_MODULE_CMAKE_DIR}/embed_lua.cmake
			DEPENDS ${lua} ${ERP_MODULE_CMAKE_DIR}/embed_lua.cmake
			VERBATIM)
		list(APPEND sources ${gen})
	endif()
	if(M_MIGRATIONS)
		file(GLOB sql CONFIGURE_DEPENDS ${M_MIGRATIONS}/*.sql)
		string(REPLACE ";" "|" sql_list "${sql}")
		set(gen ${CMAKE_CURRENT_BINARY_DIR}/${name}_migrations.c)
		add_custom_command(OUTPUT ${gen}
			COMMAND ${CMAKE_COMMAND} -DOUT=${gen}
				-DSYMBOL=${name}_migrations "-DFILES=${sql_list}"
				-DHEADER=erp/module.h -DTYPE=erp_migration
				-P ${ERP_MODULE_CMAKE_DIR}/embed_sql.cmake
			DEPENDS ${sql} ${ERP_MODULE_CMAKE_DIR}/embed_sql.cmake
			VERBATIM)
		list(APPEND sources ${gen})
	endif()
	add_library(${name} MODULE ${sources})
	set_target_properties(${name} PROPERTIES PREFIX ""
		C_VISIBILITY_PRESET hidden)
	if(M_OUTPUT_DIRECTORY)
		set_target_properties(${name} PROPERTIES
			LIBRARY_OUTPUT_DIRECTORY ${M_OUTPUT_DIRECTORY})
	endif()
	if(M_INCLUDE_DIR)
		target_include_directories(${name} PRIVATE ${M_INCLUDE_DIR})
	endif()
	find_package(PkgConfig REQUIRED)
	pkg_check_modules(ERP_MOD_CJSON REQUIRED IMPORTED_TARGET libcjson)
	target_link_libraries(${name} PRIVATE PkgConfig::ERP_MOD_CJSON)
endfunction()
