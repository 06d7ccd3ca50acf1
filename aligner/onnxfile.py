"""The float constants of an ONNX model file, read straight from its protobuf encoding.

Seekline needs only the Silero VAD's weights, which the model file holds as Constant nodes. Reading them takes a
few fields of the format (onnx.proto's field numbers below); the ``onnx`` package took 0.87 s to import (most of it
its ``ml_dtypes`` extension) before the weights' 8 ms.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

# field numbers in onnx.proto
MODEL_GRAPH = 7
GRAPH_NODE = 1
NODE_OUTPUT, NODE_OP_TYPE, NODE_ATTRIBUTE = 2, 4, 5
ATTRIBUTE_NAME, ATTRIBUTE_TENSOR, ATTRIBUTE_GRAPH = 1, 5, 6
TENSOR_DIMS, TENSOR_DATA_TYPE, TENSOR_FLOAT_DATA, TENSOR_RAW_DATA = 1, 2, 4, 9
FLOAT = 1  # TensorProto.DataType.FLOAT


def constants(data: bytes, branch: str | None = None) -> dict[str, np.ndarray]:
    """The float32 Constant tensors of a model (``data``: the file's bytes) by their output's name, in its main
    graph, or in the subgraph attribute ``branch`` of its first node that has one (an If node's "then_branch").

    :raises ValueError: when ``data`` is not such a protobuf message.
    """
    graph = _one(data, MODEL_GRAPH)
    if branch is not None:
        graph = next((sub for node in _all(graph, GRAPH_NODE) for attr in _all(node, NODE_ATTRIBUTE)
                      if _one(attr, ATTRIBUTE_NAME) == branch.encode()
                      for sub in _all(attr, ATTRIBUTE_GRAPH)), b"")
    out = {}
    for node in _all(graph, GRAPH_NODE):
        if _one(node, NODE_OP_TYPE) != b"Constant":
            continue
        tensor = next((t for attr in _all(node, NODE_ATTRIBUTE) for t in _all(attr, ATTRIBUTE_TENSOR)), None)
        if tensor is not None and _int(tensor, TENSOR_DATA_TYPE) == FLOAT:
            out[_one(node, NODE_OUTPUT).decode()] = _floats(tensor)
    return out


def _floats(tensor: bytes) -> np.ndarray:
    dims = [d for value in _all(tensor, TENSOR_DIMS) for d in _ints(value)]
    values = np.frombuffer(_one(tensor, TENSOR_RAW_DATA) or _one(tensor, TENSOR_FLOAT_DATA), dtype="<f4")
    if values.size != int(np.prod(dims)):
        raise ValueError(f"a tensor of shape {dims} holds {values.size} values")
    return values.reshape(dims).astype(np.float32)


def _one(message: bytes, field: int) -> bytes:
    """The last length-delimited value of ``field`` (empty when absent)."""
    got = [v for v in _all(message, field) if isinstance(v, bytes)]
    return got[-1] if got else b""


def _int(message: bytes, field: int) -> int | None:
    got = [v for v in _all(message, field) if isinstance(v, int)]
    return got[-1] if got else None


def _all(message: bytes, field: int) -> Iterator[int | bytes]:
    return (value for number, value in _fields(message) if number == field)


def _fields(message: bytes) -> Iterator[tuple[int, int | bytes]]:
    """A protobuf message's ``(field number, value)`` pairs: varints as ints, the others as bytes."""
    i = 0
    while i < len(message):
        key, i = _varint(message, i)
        kind = key & 7
        if kind == 0:
            value, i = _varint(message, i)
        elif kind == 2:
            size, i = _varint(message, i)
            value, i = message[i:i + size], i + size
        elif kind in (1, 5):
            size = 8 if kind == 1 else 4
            value, i = message[i:i + size], i + size
        else:
            raise ValueError(f"protobuf wire type {kind} at byte {i}")
        if i > len(message):
            raise ValueError("a protobuf field runs past the end of its message")
        yield key >> 3, value


def _ints(value: int | bytes) -> list[int]:
    """A repeated varint field's values: one, or packed."""
    if isinstance(value, int):
        return [value]
    out, i = [], 0
    while i < len(value):
        n, i = _varint(value, i)
        out.append(n)
    return out


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if i >= len(data):
            raise ValueError("a protobuf varint runs past the end of its message")
        byte = data[i]
        value |= (byte & 0x7F) << shift
        i += 1
        if not byte & 0x80:
            return value, i
        shift += 7
