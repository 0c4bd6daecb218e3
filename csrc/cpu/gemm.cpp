// placeholder: filled in by the gemm kernel family work
#include "isa.h"
TT_ISA_BEGIN
void register_gemm(Kernel*) {}
TT_ISA_END
