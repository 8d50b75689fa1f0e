# Warnings for deer's own targets (not for Kokkos' headers, which come in as system includes).
function(deer_target_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    get_target_property(_type ${target} TYPE)
    if(NOT _type STREQUAL "INTERFACE_LIBRARY")
      # -Wmaybe-uninitialized: GCC 12/13 misfire on fixed-capacity local arrays filled by loops of
      # runtime length after inlining through Kokkos (seen in every kernel); every other warning stays on.
      target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-maybe-uninitialized>)
    endif()
  endif()
  if(DEER_ENABLE_SANITIZERS)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()
