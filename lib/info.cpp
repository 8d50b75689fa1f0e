#include <deer/backends.hpp>
#include <deer/compat.hpp>
#include <deer/info.hpp>
#include <deer/version.hpp>

namespace deer {

namespace {
template <class Tuple, size_t... I>
void collect(std::vector<BackendInfo>& out, std::index_sequence<I...>) {
  (
      [&] {
        using S = std::tuple_element_t<I, Tuple>;
        if constexpr (!std::is_void_v<S>) out.push_back({backend_name<S>(), S().concurrency()});
      }(),
      ...);
}
}  // namespace

BuildInfo build_info() {
  BuildInfo b{DEER_VERSION_STRING, compat::kokkos_version_string(), DEER_BUILD_TYPE, {}};
  collect<EnabledSpaces>(b.backends, std::make_index_sequence<std::tuple_size_v<EnabledSpaces>>{});
  return b;
}

}  // namespace deer
