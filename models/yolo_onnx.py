"""Build an ONNX graph from an ultralytics YOLOv8 detection checkpoint, as ultralytics exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

from models.registry import ModelError
from models.torch_checkpoint import Module

OPSET = 17
IR_VERSION = 8  # the IR that goes with opset 17; onnxruntime >= 1.14 reads it
_REST = 2**62  # Slice end meaning "to the last channel"


class _Graph:
    """Nodes and float32 initializers of the graph being built, for a fixed input size."""

    def __init__(self, input_size_px: int) -> None:
        self.input_size_px = input_size_px
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0

    def _fresh(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, array: np.ndarray, hint: str = "const") -> str:
        name = self._fresh(hint)
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def ints(self, values: list[int]) -> str:
        return self.const(np.asarray(values, np.int64), "shape")

    def op(self, op_type: str, *inputs: str, **attrs: Any) -> str:
        return self.ops(op_type, list(inputs), 1, **attrs)[0]

    def ops(self, op_type: str, inputs: list[str], outputs: int, **attrs: Any) -> list[str]:
        names = [self._fresh(op_type.lower()) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, names, **attrs))
        return names


def _pair(value: Any) -> list[int]:
    return [int(v) for v in value] if isinstance(value, tuple | list) else [int(value)] * 2


def _folded(conv: Module, bn: Module | None) -> tuple[np.ndarray, np.ndarray]:
    """Conv weight and bias with the batch norm that follows it folded in (float64 math)."""
    weight = _tensor(conv, "weight").astype(np.float64)
    bias_or_none = conv.param("bias")
    bias = np.zeros(len(weight)) if bias_or_none is None else bias_or_none.astype(np.float64)
    if bn is not None:
        gamma, beta = bn.param("weight"), bn.param("bias")
        var, mean = _tensor(bn, "running_var"), _tensor(bn, "running_mean")
        scale = (1.0 if gamma is None else gamma.astype(np.float64)) / np.sqrt(
            var.astype(np.float64) + float(bn.attr("eps"))
        )
        weight = weight * np.reshape(scale, (-1, 1, 1, 1))
        bias = (bias - mean) * scale + (0.0 if beta is None else beta.astype(np.float64))
    return weight.astype(np.float32), bias.astype(np.float32)


def _tensor(module: Module, name: str) -> np.ndarray:
    value = module.param(name)
    if value is None:
        raise ModelError(f"{module.qualname} has no tensor {name!r}")
    return value


def _conv2d(g: _Graph, conv: Module, bn: Module | None, x: str) -> str:
    if conv.attr("padding_mode", "zeros") != "zeros" or isinstance(conv.attr("padding"), str):
        raise ModelError(f"{conv.qualname}: only explicit zero padding is supported")
    weight, bias = _folded(conv, bn)
    pad_h, pad_w = _pair(conv.attr("padding"))
    return g.op(
        "Conv",
        x,
        g.const(weight, "w"),
        g.const(bias, "b"),
        kernel_shape=list(weight.shape[2:]),
        strides=_pair(conv.attr("stride")),
        pads=[pad_h, pad_w, pad_h, pad_w],
        dilations=_pair(conv.attr("dilation")),
        group=int(conv.attr("groups")),
    )


def _silu(g: _Graph, _m: Module, x: str) -> str:
    return g.op("Mul", x, g.op("Sigmoid", x))


def _relu(g: _Graph, _m: Module, x: str) -> str:
    return g.op("Relu", x)


def _identity(_g: _Graph, _m: Module, x: str) -> str:
    return x


def _lone_conv2d(g: _Graph, m: Module, x: str) -> str:
    return _conv2d(g, m, None, x)


def _sequential(g: _Graph, m: Module, x: str) -> str:
    """Children in order; a Conv2d directly followed by a BatchNorm2d becomes one Conv."""
    children = list(m.children().values())
    index = 0
    while index < len(children):
        child = children[index]
        after = children[index + 1] if index + 1 < len(children) else None
        if child.name == "Conv2d" and after is not None and after.name == "BatchNorm2d":
            x, index = _conv2d(g, child, after, x), index + 2
        else:
            x, index = _unary(g, child, x), index + 1
    return x


def _conv(g: _Graph, m: Module, x: str) -> str:
    """ultralytics Conv: Conv2d + BatchNorm2d (absent once fused) + activation."""
    bn = m.children().get("bn")
    y = _conv2d(g, m.child("conv"), bn, x)
    act = m.children().get("act")
    return y if act is None else _unary(g, act, y)


def _bottleneck(g: _Graph, m: Module, x: str) -> str:
    y = _conv(g, m.child("cv2"), _conv(g, m.child("cv1"), x))
    return g.op("Add", x, y) if m.attr("add") else y


def _c2f(g: _Graph, m: Module, x: str) -> str:
    width = int(m.attr("c"))
    parts = g.ops("Split", [_conv(g, m.child("cv1"), x), g.ints([width, width])], 2, axis=1)
    for block in m.child("m").children().values():
        parts.append(_unary(g, block, parts[-1]))
    return _conv(g, m.child("cv2"), g.op("Concat", *parts, axis=1))


def _sppf(g: _Graph, m: Module, x: str) -> str:
    parts = [_conv(g, m.child("cv1"), x)]
    for _ in range(3):
        parts.append(_unary(g, m.child("m"), parts[-1]))
    return _conv(g, m.child("cv2"), g.op("Concat", *parts, axis=1))


def _max_pool(g: _Graph, m: Module, x: str) -> str:
    if m.attr("ceil_mode", False) or m.attr("return_indices", False):
        raise ModelError(f"{m.qualname}: ceil_mode and return_indices are not supported")
    pad_h, pad_w = _pair(m.attr("padding"))
    stride = m.attr("stride") or m.attr("kernel_size")
    return g.op(
        "MaxPool",
        x,
        kernel_shape=_pair(m.attr("kernel_size")),
        strides=_pair(stride),
        pads=[pad_h, pad_w, pad_h, pad_w],
        dilations=_pair(m.attr("dilation", 1)),
    )


def _upsample(g: _Graph, m: Module, x: str) -> str:
    scale = m.attr("scale_factor")
    if m.attr("mode") != "nearest" or m.attr("size") is not None or scale is None:
        raise ModelError(f"{m.qualname}: only nearest upsampling by a scale factor is supported")
    scales = np.asarray([1.0, 1.0, *_pair_float(scale)], np.float32)
    return g.op(
        "Resize",
        x,
        "",
        g.const(scales, "scales"),
        mode="nearest",
        coordinate_transformation_mode="asymmetric",
        nearest_mode="floor",
    )


def _pair_float(value: Any) -> list[float]:
    return [float(v) for v in value] if isinstance(value, tuple | list) else [float(value)] * 2


def _partial_conv(g: _Graph, m: Module, x: str) -> str:
    """FasterNet PConv: conv+BN+ReLU on the first channels, the rest passed through."""
    split = int(m.attr("partial_channels"))
    head = _slice_channels(g, x, 0, split)
    head = g.op("Relu", _conv2d(g, m.child("conv"), m.child("bn"), head))
    return g.op("Concat", head, _slice_channels(g, x, split, _REST), axis=1)


def _slice_channels(g: _Graph, x: str, start: int, stop: int) -> str:
    return g.op("Slice", x, g.ints([start]), g.ints([stop]), g.ints([1]))


def _faster_block(g: _Graph, m: Module, x: str) -> str:
    y = _partial_conv(g, m.child("pconv"), x)
    y = g.op("Relu", _conv2d(g, m.child("pwconv1"), m.child("bn1"), y))
    y = _conv2d(g, m.child("pwconv2"), m.child("bn2"), y)
    if m.attr("use_shortcut"):
        return g.op("Add", y, x)
    return g.op("Add", y, _conv2d(g, m.child("shortcut"), m.child("shortcut_bn"), x))


def _faster_c2f(g: _Graph, m: Module, x: str) -> str:
    """fire-detector's FasterNetC2f: optional 1x1 transition, then FasterNet blocks."""
    transition = m.children().get("transition")
    if transition is not None:
        x = _sequential(g, transition, x)
    for block in m.child("blocks").children().values():
        x = _unary(g, block, x)
    return x


def _concat(g: _Graph, m: Module, xs: list[str]) -> str:
    return g.op("Concat", *xs, axis=int(m.attr("d")))


def _anchor_grid(input_size_px: int, strides: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Cell-centre anchors (1, 2, N) in grid units and per-anchor strides (1, 1, N)."""
    centres, scales = [], []
    for stride in strides:
        cells = input_size_px // int(stride)
        y, x = np.meshgrid(np.arange(cells) + 0.5, np.arange(cells) + 0.5, indexing="ij")
        centres.append(np.stack([x.ravel(), y.ravel()]))
        scales.append(np.full(cells * cells, stride))
    anchors = np.concatenate(centres, axis=1)[np.newaxis].astype(np.float32)
    return anchors, np.concatenate(scales)[np.newaxis, np.newaxis].astype(np.float32)


def _dfl(g: _Graph, m: Module, box: str, reg_max: int) -> str:
    """Distribution focal loss decoding: expected value of each side's 16-bin softmax."""
    if reg_max == 1:
        return box
    bins = g.op("Reshape", box, g.ints([1, 4, reg_max, -1]))
    probs = g.op("Softmax", g.op("Transpose", bins, perm=[0, 2, 1, 3]), axis=1)
    return g.op("Reshape", _conv2d(g, m.child("conv"), None, probs), g.ints([1, 4, -1]))


def _dist_to_xywh(g: _Graph, dist: str, anchors: str, strides: str) -> str:
    left_top, right_bottom = g.ops("Split", [dist, g.ints([2, 2])], 2, axis=1)
    x1y1, x2y2 = g.op("Sub", anchors, left_top), g.op("Add", anchors, right_bottom)
    half = g.const(np.asarray(2.0, np.float32), "two")
    centre = g.op("Div", g.op("Add", x1y1, x2y2), half)
    xywh = g.op("Concat", centre, g.op("Sub", x2y2, x1y1), axis=1)
    return g.op("Mul", xywh, strides)


def _detect(g: _Graph, m: Module, xs: list[str]) -> str:
    """YOLOv8 Detect head, export form: (1, 4 + nc, N) xywh in input pixels + class sigmoids."""
    if m.attr("end2end", False) or "one2one_cv2" in m.children():
        raise ModelError(f"{m.qualname}: end-to-end (NMS-free) heads are not supported")
    nc, reg_max = int(m.attr("nc")), int(m.attr("reg_max"))
    flat = [1, 4 * reg_max + nc, -1]
    box_heads, cls_heads = m.child("cv2").children().values(), m.child("cv3").children().values()
    levels = [
        g.op("Reshape", g.op("Concat", _unary(g, b, x), _unary(g, c, x), axis=1), g.ints(flat))
        for x, b, c in zip(xs, box_heads, cls_heads, strict=True)
    ]
    box, cls = g.ops(
        "Split", [g.op("Concat", *levels, axis=2), g.ints([4 * reg_max, nc])], 2, axis=1
    )
    strides = [float(s) for s in np.asarray(m.attr("stride")).ravel()]
    anchors, scale = _anchor_grid(g.input_size_px, strides)
    xywh = _dist_to_xywh(
        g, _dfl(g, m.child("dfl"), box, reg_max), g.const(anchors, "anchors"), g.const(scale, "s")
    )
    return g.op("Concat", xywh, g.op("Sigmoid", cls), axis=1)


Unary = Callable[[_Graph, Module, str], str]
Multi = Callable[[_Graph, Module, list[str]], str]
_UNARY: dict[str, Unary] = {
    "Conv": _conv,
    "Conv2d": _lone_conv2d,
    "SiLU": _silu,
    "ReLU": _relu,
    "Identity": _identity,
    "Sequential": _sequential,
    "Bottleneck": _bottleneck,
    "C2f": _c2f,
    "SPPF": _sppf,
    "MaxPool2d": _max_pool,
    "Upsample": _upsample,
    "PartialConv2d": _partial_conv,
    "FasterNetBlock": _faster_block,
    "FasterNetC2f": _faster_c2f,
}
_MULTI: dict[str, Multi] = {"Concat": _concat, "Detect": _detect}


def _unary(g: _Graph, m: Module, x: str) -> str:
    builder = _UNARY.get(m.name)
    if builder is None:
        raise ModelError(f"layer {m.qualname} is not supported by the ONNX converter")
    return builder(g, m, x)


def _layer(g: _Graph, m: Module, xs: list[str]) -> str:
    if m.name in _MULTI:
        return _MULTI[m.name](g, m, xs)
    if len(xs) != 1:
        raise ModelError(f"layer {m.qualname} takes one input, got {len(xs)}")
    return _unary(g, m, xs[0])


def _build_layers(g: _Graph, layers: list[Module], images: str) -> str:
    """Run the layer list as DetectionModel.forward does, following each layer's `f`."""
    outputs: list[str] = []
    x = images
    for layer in layers:
        source = layer.attr("f")
        sources = [source] if isinstance(source, int) else list(source)
        xs = [x if j == -1 else outputs[j] for j in sources]
        x = _layer(g, layer, xs)
        outputs.append(x)
    return x


def _detection_model(checkpoint: dict[str, Any]) -> Module:
    model = checkpoint.get("ema") or checkpoint.get("model")
    if not isinstance(model, Module):
        raise ModelError("checkpoint holds no model (expected an ultralytics checkpoint)")
    return model


def class_names(checkpoint: dict[str, Any]) -> list[str]:
    """The model's class names in class-index order."""
    return _names(_detection_model(checkpoint))


def _names(model: Module) -> list[str]:
    names = model.attr("names")
    if isinstance(names, dict):
        return [str(names[key]) for key in sorted(names)]
    return [str(name) for name in names]


def _check_input_size(model: Module, input_size_px: int) -> None:
    max_stride = int(max(np.asarray(model.attr("stride")).ravel()))
    if input_size_px <= 0 or input_size_px % max_stride:
        raise ModelError(f"input size {input_size_px} px must be a multiple of {max_stride}")


def export_yolo_detector(checkpoint: dict[str, Any], input_size_px: int) -> bytes:
    """Serialized float32 ONNX model: 'images' (1, 3, S, S) RGB in [0, 1] -> 'output0'.

    'output0' is (1, 4 + classes, anchors): cx, cy, w, h in input pixels, then class scores.
    """
    model = _detection_model(checkpoint)
    _check_input_size(model, input_size_px)
    g = _Graph(input_size_px)
    layers = list(model.child("model").children().values())
    g.nodes.append(helper.make_node("Identity", [_build_layers(g, layers, "images")], ["output0"]))
    return _model_proto(g, _names(model), model.attr("stride")).SerializeToString()


def _model_proto(g: _Graph, names: list[str], strides: Any) -> onnx.ModelProto:
    size = g.input_size_px
    anchors = sum((size // int(s)) ** 2 for s in np.asarray(strides).ravel())
    shape_in, shape_out = [1, 3, size, size], [1, 4 + len(names), anchors]
    graph = helper.make_graph(
        g.nodes,
        "yolo-detector",
        [helper.make_tensor_value_info("images", onnx.TensorProto.FLOAT, shape_in)],
        [helper.make_tensor_value_info("output0", onnx.TensorProto.FLOAT, shape_out)],
        g.initializers,
    )
    proto = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="carewatch"
    )
    proto.ir_version = IR_VERSION
    props = {"names": str(dict(enumerate(names))), "imgsz": str([size, size])}
    helper.set_model_props(proto, props)
    onnx.checker.check_model(proto)
    return proto
