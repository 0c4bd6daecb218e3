"""tinytorch.onnx: importable, so model code that asks whether it is being exported runs; exporting is not built."""


def is_in_onnx_export():
    return False


def export(model, args=(), f=None, *more, **kwargs):
    raise NotImplementedError("onnx.export(): tinytorch cannot export ONNX; save the weights with "
                              "tinytorch.save(model.state_dict(), path) and export from PyTorch")


dynamo_export = export
