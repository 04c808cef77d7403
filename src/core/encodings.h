// Text encodings shared by several rooms: JSON string escaping, percent-encoding, XML
// escaping, base64, hex. Each takes and returns bytes (UTF-8 passes through unchanged unless
// the encoding says otherwise).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice {

// JSON string contents without the quotes, escaped as toJSON (nlohmann) and JSON.stringify
// escape: \" \\ \b \f \n \r \t, other bytes below 0x20 as \u00xx; the rest as is.
std::string json_string_escape(std::string_view value);

// Percent-encoding of the UTF-8 bytes, uppercase hex. `keep_marks`: also keep the marks
// ! ' ( ) * unescaped as JavaScript's encodeURIComponent does; without, only RFC 3986's
// unreserved characters (A-Z a-z 0-9 - _ . ~) are kept, as .NET's Uri.EscapeDataString.
std::string uri_escape(std::string_view value, bool keep_marks);

// & < > " ' as XML entities (.NET SecurityElement.Escape).
std::string xml_escape(std::string_view value);

// True for the bytes uri_escape() keeps as they are.
bool is_uri_unreserved(unsigned char c, bool keep_marks);

// Standard base64 (RFC 4648 alphabet, '=' padding).
inline constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
std::string base64_encode(std::string_view bytes);

// Lowercase hex, two digits per byte.
std::string hex_encode(std::string_view bytes);
// The bytes of hex digits (either case); nothing for an odd length or a non-hex character.
std::optional<std::string> hex_decode(std::string_view hex);

}  // namespace sluice
