package org.jpo.serve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;

/** A request the server refuses, answered with OpenAI's error body {@code {"error": {message, type, param, code}}}. */
final class ApiError extends RuntimeException {
    final int status;
    final String type;
    final String param;
    final String code;

    ApiError(int status, String type, String param, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: a field is missing, of the wrong type or out of range. */
    static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, null, message);
    }

    static ApiError unauthorized(String message) {
        return new ApiError(401, "invalid_request_error", null, "invalid_api_key", message);
    }

    static ApiError notFound(String param, String code, String message) {
        return new ApiError(404, "invalid_request_error", param, code, message);
    }

    static ApiError methodNotAllowed(String method, String path, String allowed) {
        return new ApiError(405, "invalid_request_error", null, "method_not_allowed",
                method + " is not allowed on " + path + "; use " + allowed);
    }

    static ApiError internal(String message) { return new ApiError(500, "server_error", null, null, message); }

    ObjectNode body() {
        ObjectNode o = Jsonl.JSON.createObjectNode();
        ObjectNode e = o.putObject("error");
        e.put("message", getMessage());
        e.put("type", type);
        e.put("param", param);
        e.put("code", code);
        return o;
    }
}
