// Asio, Asio.SSL and Beast compiled once for the whole program (separate compilation): every other translation
// unit only sees declarations, which keeps each one to a few seconds on the 2-core build machines.
#include <utility>  // GCC 12 needs <utility> before Asio's awaitable.hpp

#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
