/* common_passwords: passwords that pass the length rule but not a guess. */
#ifndef ERP_CORE_AUTH_COMMON_PASSWORDS_H
#define ERP_CORE_AUTH_COMMON_PASSWORDS_H

/* NULL-terminated; compared case-insensitively. */
extern const char *const common_passwords[];

#endif /* ERP_CORE_AUTH_COMMON_PASSWORDS_H */
