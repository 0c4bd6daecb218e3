// placeholder: filled in by the reduce kernel family work
#include "isa.h"
TT_ISA_BEGIN
void register_reduce(Kernel*) {}
TT_ISA_END
