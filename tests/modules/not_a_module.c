/*
 * not_a_module: a shared object without an erp_module symbol, such as a
 * stray library dropped into ERP_MODULES_DIR.
 */
int	not_a_module_answer(void);

int
not_a_module_answer(void)
{
	return 42;
}
