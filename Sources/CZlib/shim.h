// zlib, for the ledger's compressed blocks of stored inputs (zlib1g-dev).
#include <zlib.h>
