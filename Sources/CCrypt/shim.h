// libxcrypt, for checking the bcrypt hashes of --web.config.file's basic_auth_users.
#include <crypt.h>
