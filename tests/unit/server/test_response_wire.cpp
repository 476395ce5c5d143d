#include "server/response_wire.hpp"

#include <gtest/gtest.h>

namespace sidetag::server {
namespace {

std::string wire(HttpResponse resp, bool keep_alive = true, bool head_request = false) {
  ResponseWire out;
  to_wire(std::move(resp), keep_alive, head_request, out);
  return out.head + out.body;
}

std::string status_line(const HttpResponse& resp) {
  const auto bytes = wire(resp);
  return bytes.substr(0, bytes.find("\r\n"));
}

HttpResponse with_headers(Headers headers, std::string body = "") {
  HttpResponse r;
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

HttpResponse ok_json(std::string body) {
  HttpResponse r;
  r.set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

TEST(ResponseWire, StatusLineServerHeadersAndContentLengthInBeastsOrder) {
  EXPECT_EQ(wire(ok_json("{}")),
            "HTTP/1.1 200 OK\r\nServer: sidetag\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
}

TEST(ResponseWire, ReasonPhraseFollowsTheStatus) {
  HttpResponse r;
  r.status = 413;
  EXPECT_EQ(status_line(r), "HTTP/1.1 413 Payload Too Large");
  r.status = 299;
  EXPECT_EQ(status_line(r), "HTTP/1.1 299 <unknown-status>");
}

TEST(ResponseWire, StatusOutsideThreeDigitsBecomes500) {
  HttpResponse r;
  r.status = 1000;
  EXPECT_EQ(status_line(r), "HTTP/1.1 500 Internal Server Error");
}

TEST(ResponseWire, CloseAddsConnectionCloseBeforeContentLength) {
  EXPECT_EQ(wire(ok_json("x"), false),
            "HTTP/1.1 200 OK\r\nServer: sidetag\r\nContent-Type: application/json\r\nConnection: close\r\n"
            "Content-Length: 1\r\n\r\nx");
}

TEST(ResponseWire, HeadKeepsContentLengthButSendsNoBody) {
  ResponseWire out;
  to_wire(ok_json("hello"), true, true, out);
  EXPECT_NE(out.head.find("\r\nContent-Length: 5\r\n"), std::string::npos);
  EXPECT_EQ(out.body, "");
}

TEST(ResponseWire, EmptyBodyStillSaysContentLength0) {
  EXPECT_EQ(wire(HttpResponse{}), "HTTP/1.1 200 OK\r\nServer: sidetag\r\nContent-Length: 0\r\n\r\n");
}

TEST(ResponseWire, NoContentStatusesCarryNeitherContentLengthNorBody) {
  for (int status : {100, 204, 304}) {
    HttpResponse r;
    r.status = status;
    r.body = "must not be sent";
    const auto bytes = wire(r);
    EXPECT_EQ(bytes.find("Content-Length"), std::string::npos) << status;
    EXPECT_EQ(bytes.substr(bytes.size() - 4), "\r\n\r\n") << status;
    EXPECT_EQ(bytes.find("must not"), std::string::npos) << status;
  }
}

TEST(ResponseWire, RepeatedNamesStayTogetherAtTheFirstPlaceInTheirOrder) {
  HttpResponse r;
  r.status = 204;
  r.set("Set-Cookie", "a=1");
  r.set("Vary", "Origin");
  r.set("set-cookie", "b=2");
  r.set("Set-Cookie", "c=3");
  EXPECT_EQ(wire(r),
            "HTTP/1.1 204 No Content\r\nServer: sidetag\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nSet-Cookie: c=3\r\n"
            "Vary: Origin\r\n\r\n");
}

TEST(ResponseWire, ValuesAreTrimmedOfSurroundingWhitespace) {
  HttpResponse r;
  r.set("X-A", " \tv w\t ");
  r.set("X-B", "   ");
  EXPECT_NE(wire(r).find("\r\nX-A: v w\r\nX-B: \r\n"), std::string::npos);
}

TEST(ResponseWire, CrLfAndNulInAValueCannotStartANewHeader) {
  HttpResponse r;
  r.set("Set-Cookie", "a=1\r\nSet-Cookie: evil=1\r\n\r\n<html>");
  r.set("X-Nul", std::string("a\0b", 3));
  const auto bytes = wire(r);
  EXPECT_NE(bytes.find("\r\nSet-Cookie: a=1  Set-Cookie: evil=1    <html>\r\n"), std::string::npos) << bytes;
  EXPECT_NE(bytes.find("\r\nX-Nul: a b\r\n"), std::string::npos);
  EXPECT_EQ(bytes.find("\r\nSet-Cookie: evil"), std::string::npos);
}

TEST(ResponseWire, HeadersWhoseNameIsNotATokenAreLeftOut) {
  const auto r = with_headers({{"X-Bad\r\nSet-Cookie", "evil=1"}, {"X Space", "v"}, {"", "v"}, {"X-Good", "v"}});
  EXPECT_EQ(wire(r), "HTTP/1.1 200 OK\r\nServer: sidetag\r\nX-Good: v\r\nContent-Length: 0\r\n\r\n");
}

TEST(ResponseWire, FramingHeadersFromTheHandlerAreLeftOut) {
  const auto r = with_headers(
      {{"content-length", "999"}, {"Connection", "keep-alive"}, {"Transfer-Encoding", "chunked"}, {"SERVER", "other"}},
      "abc");
  EXPECT_EQ(wire(r, false), "HTTP/1.1 200 OK\r\nServer: sidetag\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc");
}

TEST(ResponseWire, ReusesTheOutputWithoutLeftovers) {
  ResponseWire out;
  to_wire(ok_json(std::string(100, 'x')), true, false, out);
  HttpResponse second;
  second.status = 204;
  to_wire(std::move(second), true, false, out);
  EXPECT_EQ(out.head, "HTTP/1.1 204 No Content\r\nServer: sidetag\r\n\r\n");
  EXPECT_EQ(out.body, "");
}

}  // namespace
}  // namespace sidetag::server
