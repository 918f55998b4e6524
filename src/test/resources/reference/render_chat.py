"""Reference renderer for jpo's chat template tests: Jinja2 set up exactly as transformers sets it up
(src/transformers/utils/chat_template_utils.py, _compile_jinja_template and render_jinja_template):
ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) with the loopcontrols extension, a
{% generation %} block, raise_exception, strftime_now, and a tojson filter that is json.dumps(ensure_ascii=False).

stdin: one JSON object {"template", "bos_token"?, "eos_token"?, "now", "conversations": [{"messages",
"add_generation_prompt"}]}; "now" is an ISO date-time that strftime_now reads instead of the clock, so both
sides print the same date.
stdout: one JSON list, per conversation {"text": rendering} or {"rejected": raise_exception's message} or
{"failed": any other error}.

usage: python3 render_chat.py < input.json
"""
import json
import sys
from datetime import datetime

import jinja2
from jinja2.exceptions import TemplateError
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


class Raised(TemplateError):
    pass


class Generation(Extension):
    """transformers' AssistantTracker without the tracking: {% generation %}body{% endgeneration %} renders body."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(lineno)

    def _body(self, caller):
        return caller()


def environment(now):
    def raise_exception(message):
        raise Raised(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return now.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[Generation, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    request = json.load(sys.stdin)
    template = environment(datetime.fromisoformat(request["now"])).from_string(request["template"])
    special = {k: request[k] for k in ("bos_token", "eos_token") if request.get(k) is not None}
    out = []
    for c in request["conversations"]:
        try:
            # transformers always passes tools and documents (None when absent), then the special tokens
            text = template.render(messages=c["messages"], tools=None, documents=None,
                                   add_generation_prompt=c["add_generation_prompt"], **special)
            out.append({"text": text})
        except Raised as e:
            out.append({"rejected": str(e)})
        except Exception as e:  # noqa: BLE001 - any other failure is reported, not raised
            out.append({"failed": type(e).__name__ + ": " + str(e)})
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
