"""rates: exchange rates over gRPC. rates.v1.Rates/Quote asks price (over HTTP) for a currency's rate.

The messages are described in code (the same as rates.proto), so the image needs only Debian's
python3-grpcio and python3-protobuf, no protoc. Server reflection (grpc.reflection v1 and v1alpha)
lets clients such as grpcurl list and call the service without the .proto file.
"""
import json
import os
import socket
import urllib.error
import urllib.request
from concurrent import futures

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

VERSION = "rates v1"
PRICE_URL = os.environ.get("PRICE_URL", "http://price")
F = descriptor_pb2.FieldDescriptorProto
STRING, DOUBLE, INT32, BYTES, MESSAGE = F.TYPE_STRING, F.TYPE_DOUBLE, F.TYPE_INT32, F.TYPE_BYTES, F.TYPE_MESSAGE
REPEATED = F.LABEL_REPEATED


def field(name, number, kind, type_name=None, label=F.LABEL_OPTIONAL, oneof=None):
    f = F(name=name, number=number, type=kind, label=label)
    if type_name:
        f.type_name = type_name
    if oneof is not None:
        f.oneof_index = oneof
    return f


def message(name, fields, oneofs=()):
    m = descriptor_pb2.DescriptorProto(name=name)
    m.field.extend(fields)
    for o in oneofs:
        m.oneof_decl.add(name=o)
    return m


def rates_file():
    f = descriptor_pb2.FileDescriptorProto(name="rates/v1/rates.proto", package="rates.v1", syntax="proto3")
    f.message_type.extend(
        [
            message("QuoteRequest", [field("currency", 1, STRING)]),
            message(
                "QuoteReply",
                [field("pair", 1, STRING), field("rate", 2, DOUBLE), field("served_by", 3, STRING)],
            ),
        ]
    )
    f.service.add(name="Rates").method.add(
        name="Quote", input_type=".rates.v1.QuoteRequest", output_type=".rates.v1.QuoteReply"
    )
    return f


def reflection_file(package):
    """grpc/reflection/<v>/reflection.proto: the messages reflection clients exchange."""
    p = f".{package}."
    f = descriptor_pb2.FileDescriptorProto(
        name=f"grpc/reflection/{package.split('.')[-1]}/reflection.proto", package=package, syntax="proto3"
    )
    f.message_type.extend(
        [
            message(
                "ServerReflectionRequest",
                [
                    field("host", 1, STRING),
                    field("file_by_filename", 3, STRING, oneof=0),
                    field("file_containing_symbol", 4, STRING, oneof=0),
                    field("file_containing_extension", 5, MESSAGE, p + "ExtensionRequest", oneof=0),
                    field("all_extension_numbers_of_type", 6, STRING, oneof=0),
                    field("list_services", 7, STRING, oneof=0),
                ],
                oneofs=["message_request"],
            ),
            message("ExtensionRequest", [field("containing_type", 1, STRING), field("extension_number", 2, INT32)]),
            message(
                "ServerReflectionResponse",
                [
                    field("valid_host", 1, STRING),
                    field("original_request", 2, MESSAGE, p + "ServerReflectionRequest"),
                    field("file_descriptor_response", 4, MESSAGE, p + "FileDescriptorResponse", oneof=0),
                    field("all_extension_numbers_response", 5, MESSAGE, p + "ExtensionNumberResponse", oneof=0),
                    field("list_services_response", 6, MESSAGE, p + "ListServiceResponse", oneof=0),
                    field("error_response", 7, MESSAGE, p + "ErrorResponse", oneof=0),
                ],
                oneofs=["message_response"],
            ),
            message("FileDescriptorResponse", [field("file_descriptor_proto", 1, BYTES, label=REPEATED)]),
            message(
                "ExtensionNumberResponse",
                [field("base_type_name", 1, STRING), field("extension_number", 2, INT32, label=REPEATED)],
            ),
            message("ListServiceResponse", [field("service", 1, MESSAGE, p + "ServiceResponse", label=REPEATED)]),
            message("ServiceResponse", [field("name", 1, STRING)]),
            message("ErrorResponse", [field("error_code", 1, INT32), field("error_message", 2, STRING)]),
        ]
    )
    f.service.add(name="ServerReflection").method.add(
        name="ServerReflectionInfo",
        input_type=p + "ServerReflectionRequest",
        output_type=p + "ServerReflectionResponse",
        client_streaming=True,
        server_streaming=True,
    )
    return f


REFLECTION = ["grpc.reflection.v1", "grpc.reflection.v1alpha"]
POOL = descriptor_pool.DescriptorPool()
for fdp in [rates_file(), *map(reflection_file, REFLECTION)]:
    POOL.Add(fdp)
_factory = message_factory.MessageFactory(POOL)


def cls(name):
    d = POOL.FindMessageTypeByName(name)
    get = getattr(message_factory, "GetMessageClass", None)
    return get(d) if get else _factory.GetPrototype(d)


QuoteRequest, QuoteReply = cls("rates.v1.QuoteRequest"), cls("rates.v1.QuoteReply")
SERVICES = ["rates.v1.Rates", *(f"{p}.ServerReflection" for p in REFLECTION)]


def quote(request, context):
    ccy = (request.currency or "EUR").upper()
    try:
        with urllib.request.urlopen(f"{PRICE_URL}/price/{ccy}", timeout=5) as r:
            body = json.load(r)
    except urllib.error.HTTPError as e:
        context.abort(grpc.StatusCode.NOT_FOUND, json.load(e).get("error", str(e)))
    except OSError as e:
        context.abort(grpc.StatusCode.UNAVAILABLE, f"price at {PRICE_URL}: {e}")
    return QuoteReply(pair=body["pair"], rate=body["rate"], served_by=socket.gethostname())


def add_files(response, fd, seen):
    if fd.name in seen:
        return
    seen.add(fd.name)
    fdp = descriptor_pb2.FileDescriptorProto()
    fd.CopyToProto(fdp)
    response.file_descriptor_response.file_descriptor_proto.append(fdp.SerializeToString())
    for dep in fd.dependencies:
        add_files(response, dep, seen)


def reflection(package):
    Request, Response = cls(f"{package}.ServerReflectionRequest"), cls(f"{package}.ServerReflectionResponse")

    def info(requests, context):
        for req in requests:
            resp = Response(valid_host=req.host, original_request=req)
            kind = req.WhichOneof("message_request")
            try:
                if kind == "list_services":
                    for name in SERVICES:
                        resp.list_services_response.service.add(name=name)
                elif kind == "file_containing_symbol":
                    add_files(resp, POOL.FindFileContainingSymbol(req.file_containing_symbol), set())
                elif kind == "file_by_filename":
                    add_files(resp, POOL.FindFileByName(req.file_by_filename), set())
                elif kind == "all_extension_numbers_of_type":
                    resp.all_extension_numbers_response.base_type_name = req.all_extension_numbers_of_type
                else:
                    resp.error_response.error_code = grpc.StatusCode.UNIMPLEMENTED.value[0]
                    resp.error_response.error_message = f"{kind} is not supported"
            except KeyError as e:
                resp.error_response.error_code = grpc.StatusCode.NOT_FOUND.value[0]
                resp.error_response.error_message = str(e)
            yield resp

    handler = grpc.stream_stream_rpc_method_handler(
        info, request_deserializer=Request.FromString, response_serializer=Response.SerializeToString
    )
    return grpc.method_handlers_generic_handler(f"{package}.ServerReflection", {"ServerReflectionInfo": handler})


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "50051"))
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    rates = grpc.unary_unary_rpc_method_handler(
        quote, request_deserializer=QuoteRequest.FromString, response_serializer=QuoteReply.SerializeToString
    )
    server.add_generic_rpc_handlers(
        [grpc.method_handlers_generic_handler("rates.v1.Rates", {"Quote": rates}), *map(reflection, REFLECTION)]
    )
    server.add_insecure_port(f"0.0.0.0:{port}")
    server.start()
    print(f"{VERSION} listening on :{port}", flush=True)
    server.wait_for_termination()
