// placeholder: filled in by the optim kernel family work
#include "isa.h"
TT_ISA_BEGIN
void register_optim(Kernel*) {}
TT_ISA_END
