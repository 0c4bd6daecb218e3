// placeholder: filled in by the elementwise kernel family work
#include "isa.h"
TT_ISA_BEGIN
void register_elementwise(Kernel*) {}
TT_ISA_END
