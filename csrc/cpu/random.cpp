// placeholder: filled in by the random kernel family work
#include "isa.h"
namespace tt { namespace generic {
void register_random(Kernel*) {}
} }
