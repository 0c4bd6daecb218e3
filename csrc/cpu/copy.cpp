// placeholder: filled in by the copy kernel family work
#include "isa.h"
namespace tt { namespace generic {
void register_copy(Kernel*) {}
} }
