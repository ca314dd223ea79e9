# erp_add_python_tests(PREFIX DIR [ENV var=value ...]): one CTest entry per
# DIR/test_*.py, run with unittest against the built erpd (PREFIX.name).
# Each records the answers it receives into ERP_ANSWERS_DIR, which the API
# contract test (tests/contract) validates once every such test has run.
set(ERP_ANSWERS_DIR ${CMAKE_BINARY_DIR}/answers)

function(erp_add_python_tests prefix dir)
	cmake_parse_arguments(PARSE_ARGV 2 arg "" "" "ENV")
	find_program(PYTHON3 python3 REQUIRED)
	file(GLOB tests CONFIGURE_DEPENDS ${dir}/test_*.py)
	set(env "ERPD_BIN=$<TARGET_FILE:erpd>"
		"ERPD_SOURCE_DIR=${CMAKE_SOURCE_DIR}"
		"PYTHONPATH=${CMAKE_SOURCE_DIR}/contrib/testkit"
		"ERPD_RECORD_DIR=${ERP_ANSWERS_DIR}" ${arg_ENV})
	foreach(f IN LISTS tests)
		get_filename_component(name "${f}" NAME_WE)
		add_test(NAME ${prefix}.${name}
			COMMAND ${PYTHON3} -m unittest -v ${name}
			WORKING_DIRECTORY ${dir})
		set_tests_properties(${prefix}.${name} PROPERTIES
			ENVIRONMENT "${env}"
			FIXTURES_REQUIRED erp_answers_reset
			FIXTURES_SETUP erp_answers
			TIMEOUT 600)
	endforeach()
endfunction()
