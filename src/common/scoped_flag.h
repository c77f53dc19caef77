// A flag that is set for the lifetime of a scope (and cleared when it ends,
// also by an exception). For work that its own statements re-enter: the DDL
// it runs fires an event trigger that calls it again, which then returns at
// once.
#pragma once

namespace pgt {

class ScopedFlag {
 public:
  explicit ScopedFlag(bool& flag) : flag_(flag), was_(flag) { flag_ = true; }
  ~ScopedFlag() { flag_ = was_; }
  ScopedFlag(const ScopedFlag&) = delete;
  ScopedFlag& operator=(const ScopedFlag&) = delete;

 private:
  bool& flag_;
  bool was_;
};

}  // namespace pgt
