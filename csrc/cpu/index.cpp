// placeholder: filled in by the index kernel family work
#include "isa.h"
namespace tt { namespace generic {
void register_index(Kernel*) {}
} }
