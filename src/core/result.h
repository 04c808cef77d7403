// Result<T>: a value or an error, for failures at layer boundaries.
//
// Errors are values in sluice (DESIGN.md); exceptions are kept for programmer bugs.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "core/diagnostic.h"

namespace sluice {

struct Error {
  std::string message;
  SourcePos pos;  // where, when the error concerns a place in a file

  std::string format() const { return Diagnostic{Severity::kError, pos, message, ""}.format(); }
  // "file:line:col: message" (the message alone when the place is unknown): how an error
  // reads in a step's or job's reason and after "error: " in a log.
  std::string located_message() const {
    std::string where = pos.to_string();
    return where.empty() ? message : where + ": " + message;
  }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}
  Result(Error error) : data_(std::move(error)) {}

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() {
    assert(ok());
    return std::get<0>(data_);
  }
  const T& value() const {
    assert(ok());
    return std::get<0>(data_);
  }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(data_);
  }

 private:
  std::variant<T, Error> data_;
};

// Result<void>: success or an error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}
  static Status Ok() { return Status(); }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace sluice
