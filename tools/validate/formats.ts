// The string formats a CRD schema can use, checked as the API server checks them. Kubernetes
// validates only these (apiextensions-apiserver pkg/apiserver/validation/formats.go, names with
// dashes removed as go-openapi normalizes them: `date-time` is `datetime`); any other format is
// ignored, and so are formats on numbers (int32, int64, double...).
import type { Format } from 'ajv';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Go's net.ParseIP for IPv6: hex groups, one `::`, optionally an embedded IPv4 tail. */
function isIpv6(value: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(value) || value.split('::').length > 2) return false;
  let groups = value.split(':');
  const last = groups[groups.length - 1];
  let expected = 8;
  if (last.includes('.')) {
    if (!IPV4.test(last)) return false;
    groups = groups.slice(0, -1);
    expected = 6;
  }
  const compressed = value.includes('::');
  const filled = groups.filter((g) => g !== '');
  if (!filled.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return compressed ? filled.length < expected : filled.length === expected && groups.length === expected;
}

function isCidr(value: string): boolean {
  const [ip, bits, ...rest] = value.split('/');
  if (rest.length > 0 || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  if (IPV4.test(ip)) return Number(bits) <= 32;
  return isIpv6(ip) && Number(bits) <= 128;
}

/** Go's time.ParseDuration, or go-openapi's looser `<n> <unit>` form (`22 ns`, `3 days`). */
const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$|^[-+]?0$/;
const OPENAPI_DURATION = /\d+\s*(ns|us|µs|ms|s|sec|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wk|weeks?)\b/i;

/** RFC 3339 date-time and the variants go-openapi's strfmt.ParseDateTime accepts. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}(:?\d{2})?)?$/;

export const KUBERNETES_FORMATS: Readonly<Record<string, Format>> = {
  bsonobjectid: /^[0-9a-fA-F]{24}$/,
  // Go's url.ParseRequestURI: an absolute URI or an absolute path.
  uri: /^([a-zA-Z][a-zA-Z0-9+.-]*:|\/)\S*$/,
  // Go's mail.ParseAddress, loosely: `a@b` or `Name <a@b>`.
  email: /^([^<>]*<)?[^\s@<>]+@[^\s@<>]+>?$/,
  hostname: /^(?=.{1,253}\.?$)[\p{L}\p{N}\p{S}_]([\p{L}\p{N}\p{S}_-]{0,61}[\p{L}\p{N}\p{S}_])?(\.[\p{L}\p{N}\p{S}_]([\p{L}\p{N}\p{S}_-]{0,61}[\p{L}\p{N}\p{S}_])?)*\.?$/u,
  ipv4: IPV4,
  ipv6: isIpv6,
  cidr: isCidr,
  mac: /^([0-9A-Fa-f]{2}[:-]){5}([0-9A-Fa-f]{2})$|^([0-9A-Fa-f]{2}[:-]){7}([0-9A-Fa-f]{2})$|^([0-9A-Fa-f]{2}[:-]){19}([0-9A-Fa-f]{2})$|^([0-9A-Fa-f]{4}\.){2,9}[0-9A-Fa-f]{4}$/,
  uuid: /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
  uuid3: /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
  uuid4: /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i,
  uuid5: /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i,
  // Checksummed number formats nobody puts in a manifest: accepted unchecked.
  isbn: true,
  isbn10: true,
  isbn13: true,
  creditcard: true,
  ssn: /^\d{3}[- ]?\d{2}[- ]?\d{4}$/,
  hexcolor: /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/,
  rgbcolor: /^rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)$/,
  byte: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  password: true,
  date: /^\d{4}-\d{2}-\d{2}$/,
  duration: (value: string) => GO_DURATION.test(value) || OPENAPI_DURATION.test(value),
  datetime: DATE_TIME,
};

/** The format Kubernetes checks for this schema `format`, or undefined when it ignores it. */
export function kubernetesFormat(format: string): string | undefined {
  const normalized = format.replace(/-/g, '');
  return normalized in KUBERNETES_FORMATS ? normalized : undefined;
}
