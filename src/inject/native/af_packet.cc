// pktcraft AF_PACKET addon: one SOCK_RAW packet socket bound to one interface.
//
// JS surface (see src/inject/native.ts for the typed wrapper):
//   new PacketSocket(ifname, { receive, ignoreOutgoing, qdiscBypass, receiveBufferBytes })
//   send(bytes)                              -> bytes sent
//   sendBatch(frames[])                      -> frames sent (sendmmsg, may be fewer than given)
//   sendBatch(bytes, offsets, lengths[, n])  -> frames sent, frames are slices of one buffer
//   receive(buffer, timeoutMs[, info])       -> captured length, or -1 on timeout;
//                                               info (Int32Array >= 3): [packetType, wireLength, ifindex]
//   close(), fd, ifindex, ifname, mtu(), mac() -> Uint8Array(6)
//   monotonicMs(), sleepUntilMs(targetMs)     -> precise absolute sleeps on CLOCK_MONOTONIC
//   setRealtime(priority)                    -> SCHED_FIFO (1..99) or SCHED_OTHER (0) for the main thread
// Errors are thrown as Error objects with `code` (errno name, e.g. 'ENETDOWN'), `errno` and `syscall`.

#include <napi.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <string>
#include <vector>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif
#ifndef PACKET_QDISC_BYPASS
#define PACKET_QDISC_BYPASS 20
#endif

namespace {

const char* ErrnoName(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENODEV: return "ENODEV";
    case ENXIO: return "ENXIO";
    case ENETDOWN: return "ENETDOWN";
    case ENETUNREACH: return "ENETUNREACH";
    case EMSGSIZE: return "EMSGSIZE";
    case ENOBUFS: return "ENOBUFS";
    case EAGAIN: return "EAGAIN";
    case EINTR: return "EINTR";
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case EFAULT: return "EFAULT";
    case ENOMEM: return "ENOMEM";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOTCONN: return "ENOTCONN";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    default: return "EUNKNOWN";
  }
}

Napi::Value ThrowErrno(Napi::Env env, const char* syscall, int err, const std::string& detail) {
  std::string message = std::string(syscall) + " " + detail + ": " + strerror(err);
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, ErrnoName(err)));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("syscall", Napi::String::New(env, syscall));
  error.ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value ThrowType(Napi::Env env, const char* message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

int64_t NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool IsBytes(const Napi::Value& value) { return value.IsTypedArray() || value.IsBuffer(); }

// Pointer and length of a Uint8Array/Buffer (any TypedArray is taken as its bytes).
bool BytesOf(const Napi::Value& value, uint8_t** data, size_t* length) {
  if (!value.IsTypedArray()) return false;
  Napi::TypedArray array = value.As<Napi::TypedArray>();
  Napi::ArrayBuffer buffer = array.ArrayBuffer();
  *data = static_cast<uint8_t*>(buffer.Data()) + array.ByteOffset();
  *length = array.ByteLength();
  return true;
}

class PacketSocket : public Napi::ObjectWrap<PacketSocket> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "PacketSocket",
                       {
                           InstanceMethod("send", &PacketSocket::Send),
                           InstanceMethod("sendBatch", &PacketSocket::SendBatch),
                           InstanceMethod("receive", &PacketSocket::Receive),
                           InstanceMethod("mtu", &PacketSocket::Mtu),
                           InstanceMethod("mac", &PacketSocket::Mac),
                           InstanceMethod("close", &PacketSocket::Close),
                           InstanceAccessor("fd", &PacketSocket::Fd, nullptr),
                           InstanceAccessor("ifindex", &PacketSocket::Ifindex, nullptr),
                           InstanceAccessor("ifname", &PacketSocket::Ifname, nullptr),
                       });
  }

  explicit PacketSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PacketSocket>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) {
      ThrowType(env, "PacketSocket(ifname, options?): ifname must be a string");
      return;
    }
    ifname_ = info[0].As<Napi::String>().Utf8Value();
    bool receive = true;
    bool ignore_outgoing = false;
    bool qdisc_bypass = false;
    int receive_buffer = 0;
    if (info.Length() > 1 && info[1].IsObject()) {
      Napi::Object options = info[1].As<Napi::Object>();
      if (options.Has("receive")) receive = options.Get("receive").ToBoolean();
      if (options.Has("ignoreOutgoing")) ignore_outgoing = options.Get("ignoreOutgoing").ToBoolean();
      if (options.Has("qdiscBypass")) qdisc_bypass = options.Get("qdiscBypass").ToBoolean();
      if (options.Has("receiveBufferBytes") && options.Get("receiveBufferBytes").IsNumber())
        receive_buffer = options.Get("receiveBufferBytes").As<Napi::Number>().Int32Value();
    }
    if (ifname_.empty() || ifname_.size() >= IFNAMSIZ) {
      ThrowErrno(env, "if_nametoindex", ENODEV, "'" + ifname_ + "'");
      return;
    }
    ifindex_ = static_cast<int>(if_nametoindex(ifname_.c_str()));
    if (ifindex_ == 0) {
      ThrowErrno(env, "if_nametoindex", errno == 0 ? ENODEV : errno, "'" + ifname_ + "'");
      return;
    }
    // Protocol 0 means the socket receives nothing: a send-only socket costs the kernel no copies.
    protocol_ = receive ? htons(ETH_P_ALL) : 0;
    fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, protocol_);
    if (fd_ < 0) {
      ThrowErrno(env, "socket", errno, "AF_PACKET/SOCK_RAW");
      return;
    }
    if (ignore_outgoing) {
      int one = 1;
      // Older kernels lack it; receive() filters PACKET_OUTGOING anyway.
      setsockopt(fd_, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
    }
    if (qdisc_bypass) {
      int one = 1;
      setsockopt(fd_, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
    }
    if (receive_buffer > 0) {
      // SO_RCVBUFFORCE (root / CAP_NET_ADMIN) goes past net.core.rmem_max; SO_RCVBUF is capped by it.
      if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer, sizeof(receive_buffer)) < 0)
        setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    }
    if (receive) {
      // The kernel's receive time of each frame (CLOCK_REALTIME), read with recvmsg as SCM_TIMESTAMPNS.
      int one = 1;
      setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
    }
    struct sockaddr_ll address;
    memset(&address, 0, sizeof(address));
    address.sll_family = AF_PACKET;
    address.sll_protocol = protocol_;
    address.sll_ifindex = ifindex_;
    if (bind(fd_, reinterpret_cast<struct sockaddr*>(&address), sizeof(address)) < 0) {
      int err = errno;
      ::close(fd_);
      fd_ = -1;
      ThrowErrno(env, "bind", err, "'" + ifname_ + "'");
      return;
    }
  }

  ~PacketSocket() override {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  bool CheckOpen(Napi::Env env) {
    if (fd_ >= 0) return true;
    ThrowErrno(env, "socket", EBADF, "(closed)");
    return false;
  }

  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    uint8_t* data;
    size_t length;
    if (info.Length() < 1 || !BytesOf(info[0], &data, &length)) return ThrowType(env, "send(bytes): bytes must be a Uint8Array");
    ssize_t sent;
    do {
      sent = ::send(fd_, data, length, 0);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) return ThrowErrno(env, "send", errno, "on '" + ifname_ + "' (" + std::to_string(length) + " bytes)");
    return Napi::Number::New(env, static_cast<double>(sent));
  }

  // sendmmsg over iovecs pointing into JS-owned memory; returns how many frames the kernel took.
  Napi::Value SendBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    std::vector<struct iovec>& iov = iov_;
    iov.clear();
    if (info.Length() >= 1 && info[0].IsArray()) {
      Napi::Array frames = info[0].As<Napi::Array>();
      uint32_t count = frames.Length();
      iov.reserve(count);
      for (uint32_t i = 0; i < count; i++) {
        uint8_t* data;
        size_t length;
        if (!BytesOf(frames.Get(i), &data, &length)) return ThrowType(env, "sendBatch(frames): every frame must be a Uint8Array");
        iov.push_back({data, length});
      }
    } else if (info.Length() >= 3 && IsBytes(info[0]) && info[1].IsTypedArray() && info[2].IsTypedArray()) {
      uint8_t* data;
      size_t total;
      BytesOf(info[0], &data, &total);
      Napi::TypedArray offsets_value = info[1].As<Napi::TypedArray>();
      Napi::TypedArray lengths_value = info[2].As<Napi::TypedArray>();
      if (offsets_value.TypedArrayType() != napi_uint32_array || lengths_value.TypedArrayType() != napi_uint32_array)
        return ThrowType(env, "sendBatch(bytes, offsets, lengths): offsets and lengths must be Uint32Array");
      Napi::Uint32Array offsets = offsets_value.As<Napi::Uint32Array>();
      Napi::Uint32Array lengths = lengths_value.As<Napi::Uint32Array>();
      size_t count = offsets.ElementLength() < lengths.ElementLength() ? offsets.ElementLength() : lengths.ElementLength();
      if (info.Length() >= 4 && info[3].IsNumber()) {
        int64_t wanted = info[3].As<Napi::Number>().Int64Value();
        if (wanted < 0) wanted = 0;
        if (static_cast<size_t>(wanted) < count) count = static_cast<size_t>(wanted);
      }
      iov.reserve(count);
      for (size_t i = 0; i < count; i++) {
        uint64_t start = offsets[i];
        uint64_t length = lengths[i];
        if (start + length > total) return ThrowType(env, "sendBatch: a frame's offset + length is past the end of the buffer");
        iov.push_back({data + start, static_cast<size_t>(length)});
      }
    } else {
      return ThrowType(env, "sendBatch(frames[]) or sendBatch(bytes, offsets: Uint32Array, lengths: Uint32Array, count?)");
    }
    size_t total_frames = iov.size();
    if (total_frames == 0) return Napi::Number::New(env, 0);
    msgs_.resize(total_frames);
    for (size_t i = 0; i < total_frames; i++) {
      memset(&msgs_[i], 0, sizeof(msgs_[i]));
      msgs_[i].msg_hdr.msg_iov = &iov[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
    }
    size_t done = 0;
    // One sendmmsg call takes at most UIO_MAXIOV (1024) messages: loop until all are taken or the kernel refuses.
    while (done < total_frames) {
      unsigned int chunk = static_cast<unsigned int>(total_frames - done > 1024 ? 1024 : total_frames - done);
      int sent = sendmmsg(fd_, &msgs_[done], chunk, 0);
      if (sent < 0) {
        if (errno == EINTR) continue;
        if (done > 0) break;  // report the partial count; the next call will surface the error
        return ThrowErrno(env, "sendmmsg", errno, "on '" + ifname_ + "'");
      }
      done += static_cast<size_t>(sent);
      if (static_cast<unsigned int>(sent) < chunk) break;
    }
    return Napi::Number::New(env, static_cast<double>(done));
  }

  // receive(buffer, timeoutMs, info?): waits with poll, reads one frame with recvmsg into buffer; info gets
  // [packetType, wireLength, ifindex, keepOutgoing, seconds, nanoseconds] (the kernel's receive time).
  // PACKET_OUTGOING frames (our own sends seen by an ETH_P_ALL socket) are skipped unless
  // info[3] was set to 1 by the caller before the call (keepOutgoing).
  Napi::Value Receive(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    uint8_t* data;
    size_t capacity;
    if (info.Length() < 2 || !BytesOf(info[0], &data, &capacity) || !info[1].IsNumber())
      return ThrowType(env, "receive(buffer: Uint8Array, timeoutMs: number, info?: Int32Array)");
    int64_t timeout = info[1].As<Napi::Number>().Int64Value();
    int32_t* meta = nullptr;
    size_t meta_length = 0;
    if (info.Length() >= 3 && info[2].IsTypedArray()) {
      Napi::TypedArray meta_value = info[2].As<Napi::TypedArray>();
      if (meta_value.TypedArrayType() != napi_int32_array) return ThrowType(env, "receive: info must be an Int32Array");
      Napi::Int32Array meta_array = meta_value.As<Napi::Int32Array>();
      meta = meta_array.Data();
      meta_length = meta_array.ElementLength();
    }
    bool keep_outgoing = meta != nullptr && meta_length >= 4 && meta[3] == 1;
    int64_t deadline = NowMs() + (timeout < 0 ? 0 : timeout);
    for (;;) {
      int64_t remaining = deadline - NowMs();
      if (remaining < 0) remaining = 0;
      struct pollfd pfd = {fd_, POLLIN, 0};
      int ready = poll(&pfd, 1, static_cast<int>(remaining));
      if (ready < 0) {
        if (errno == EINTR) continue;
        return ThrowErrno(env, "poll", errno, "on '" + ifname_ + "'");
      }
      if (ready == 0) return Napi::Number::New(env, -1);
      struct sockaddr_ll from;
      memset(&from, 0, sizeof(from));
      struct iovec vector = {data, capacity};
      alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(struct timespec))];
      struct msghdr message;
      memset(&message, 0, sizeof(message));
      message.msg_name = &from;
      message.msg_namelen = sizeof(from);
      message.msg_iov = &vector;
      message.msg_iovlen = 1;
      message.msg_control = control;
      message.msg_controllen = sizeof(control);
      // MSG_TRUNC: the return value is the frame's real length even when it did not fit.
      ssize_t got = recvmsg(fd_, &message, MSG_TRUNC | MSG_DONTWAIT);
      if (got < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        return ThrowErrno(env, "recvfrom", errno, "on '" + ifname_ + "'");
      }
      if (from.sll_pkttype == PACKET_OUTGOING && !keep_outgoing) {
        if (NowMs() >= deadline) {
          // still drain what is queued without waiting
          struct pollfd again = {fd_, POLLIN, 0};
          if (poll(&again, 1, 0) <= 0) return Napi::Number::New(env, -1);
        }
        continue;
      }
      if (meta != nullptr) {
        if (meta_length > 0) meta[0] = from.sll_pkttype;
        if (meta_length > 1) meta[1] = static_cast<int32_t>(got);
        if (meta_length > 2) meta[2] = from.sll_ifindex;
        if (meta_length > 5) {
          // [4] seconds (unsigned 32-bit, read with >>> 0), [5] nanoseconds; both 0 without a kernel stamp
          meta[4] = 0;
          meta[5] = 0;
          for (struct cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
               header = CMSG_NXTHDR(&message, header)) {
            if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_TIMESTAMPNS) {
              struct timespec stamp;
              memcpy(&stamp, CMSG_DATA(header), sizeof(stamp));
              meta[4] = static_cast<int32_t>(static_cast<uint32_t>(stamp.tv_sec));
              meta[5] = static_cast<int32_t>(stamp.tv_nsec);
            }
          }
        }
      }
      size_t captured = static_cast<size_t>(got) < capacity ? static_cast<size_t>(got) : capacity;
      return Napi::Number::New(env, static_cast<double>(captured));
    }
  }

  Napi::Value Mtu(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    struct ifreq request;
    memset(&request, 0, sizeof(request));
    strncpy(request.ifr_name, ifname_.c_str(), IFNAMSIZ - 1);
    if (ioctl(fd_, SIOCGIFMTU, &request) < 0) return ThrowErrno(env, "ioctl", errno, "SIOCGIFMTU '" + ifname_ + "'");
    return Napi::Number::New(env, request.ifr_mtu);
  }

  Napi::Value Mac(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    struct ifreq request;
    memset(&request, 0, sizeof(request));
    strncpy(request.ifr_name, ifname_.c_str(), IFNAMSIZ - 1);
    if (ioctl(fd_, SIOCGIFHWADDR, &request) < 0) return ThrowErrno(env, "ioctl", errno, "SIOCGIFHWADDR '" + ifname_ + "'");
    Napi::Uint8Array mac = Napi::Uint8Array::New(env, 6);
    memcpy(mac.Data(), request.ifr_hwaddr.sa_data, 6);
    return mac;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    return info.Env().Undefined();
  }

  Napi::Value Fd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }
  Napi::Value Ifindex(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), ifindex_); }
  Napi::Value Ifname(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), ifname_); }

  int fd_ = -1;
  int ifindex_ = 0;
  uint16_t protocol_ = 0;
  std::string ifname_;
  std::vector<struct iovec> iov_;
  std::vector<struct mmsghdr> msgs_;
};

// monotonicMs(): CLOCK_MONOTONIC in milliseconds (the clock performance.now() and uv_hrtime use).
Napi::Value MonotonicMs(const Napi::CallbackInfo& info) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return Napi::Number::New(info.Env(), static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6);
}

// sleepUntilMs(target): blocks in clock_nanosleep(TIMER_ABSTIME) until CLOCK_MONOTONIC reaches target (ms).
// Precise to the timer slack (50 us by default) without spinning; callers keep each sleep short so that
// Ctrl-C handlers still get to run between sleeps.
Napi::Value SleepUntilMs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return ThrowType(env, "sleepUntilMs(targetMs: number)");
  double target = info[0].As<Napi::Number>().DoubleValue();
  if (!(target > 0)) return env.Undefined();
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(target / 1e3);
  ts.tv_nsec = static_cast<long>((target - static_cast<double>(ts.tv_sec) * 1e3) * 1e6);
  if (ts.tv_nsec < 0) ts.tv_nsec = 0;
  if (ts.tv_nsec >= 1000000000L) ts.tv_nsec = 999999999L;
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
  return env.Undefined();
}

// setRealtime(priority): priority 1..99 puts the calling (main) thread in SCHED_FIFO at that priority,
// 0 puts it back in SCHED_OTHER. Returns false when not permitted (no CAP_SYS_NICE / RLIMIT_RTPRIO).
Napi::Value SetRealtime(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return ThrowType(env, "setRealtime(priority: number)");
  int priority = info[0].As<Napi::Number>().Int32Value();
  struct sched_param param;
  memset(&param, 0, sizeof(param));
  int policy = SCHED_OTHER;
  if (priority > 0) {
    policy = SCHED_FIFO;
    param.sched_priority = priority > 99 ? 99 : priority;
  }
  return Napi::Boolean::New(env, sched_setscheduler(0, policy, &param) == 0);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("setRealtime", Napi::Function::New(env, SetRealtime));
  exports.Set("PacketSocket", PacketSocket::Define(env));
  exports.Set("monotonicMs", Napi::Function::New(env, MonotonicMs));
  exports.Set("sleepUntilMs", Napi::Function::New(env, SleepUntilMs));
  Napi::Object types = Napi::Object::New(env);
  types.Set("HOST", Napi::Number::New(env, PACKET_HOST));
  types.Set("BROADCAST", Napi::Number::New(env, PACKET_BROADCAST));
  types.Set("MULTICAST", Napi::Number::New(env, PACKET_MULTICAST));
  types.Set("OTHERHOST", Napi::Number::New(env, PACKET_OTHERHOST));
  types.Set("OUTGOING", Napi::Number::New(env, PACKET_OUTGOING));
  exports.Set("PacketType", types);
  return exports;
}

}  // namespace

NODE_API_MODULE(af_packet, Init)
