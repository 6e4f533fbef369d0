#include "libs/wirepas/topic.h"

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace wm::wirepas {
namespace {

using namespace std::string_literals;  // "...\0..."s keeps embedded NULs

const Method kAllMethods[] = {
    Method::kGetConfigs,
    Method::kGetGwInfo,
    Method::kSetConfig,
    Method::kSendData,
    Method::kOtapStatus,
    Method::kOtapLoadScratchpad,
    Method::kOtapProcessScratchpad,
    Method::kOtapSetTargetScratchpad,
    Method::kSetConfigurationDataItem,
    Method::kGetConfigurationDataItem,
};

TEST(MethodTest, NamesMatchTheSpecAndRoundTrip) {
  const char* const names[] = {"get_configs",
                               "get_gw_info",
                               "set_config",
                               "send_data",
                               "otap_status",
                               "otap_load_scratchpad",
                               "otap_process_scratchpad",
                               "otap_set_target_scratchpad",
                               "set_configuration_data_item",
                               "get_configuration_data_item"};
  ASSERT_EQ(std::size(kAllMethods), static_cast<size_t>(kMethodCount));
  for (int i = 0; i < kMethodCount; ++i) {
    EXPECT_EQ(MethodName(kAllMethods[i]), names[i]);
    EXPECT_EQ(MethodFromName(names[i]), kAllMethods[i]);
  }
  EXPECT_EQ(MethodFromName(""), std::nullopt);
  EXPECT_EQ(MethodFromName("get_config"), std::nullopt);
  EXPECT_EQ(MethodFromName("GET_CONFIGS"), std::nullopt);
  EXPECT_EQ(MethodFromName("get_gw_status"), std::nullopt);  // unmerged extension
}

TEST(MethodTest, OnlyGetConfigsAndGetGwInfoHaveNoSink) {
  for (const Method method : kAllMethods) {
    const bool gateway_wide = method == Method::kGetConfigs || method == Method::kGetGwInfo;
    EXPECT_EQ(MethodHasSink(method), !gateway_wide) << MethodName(method);
  }
}

TEST(TopicTest, BuildersWriteTheSpecTopics) {
  EXPECT_EQ(StatusTopic("gw1"), "gw-event/status/gw1");
  EXPECT_EQ(ReceivedDataTopic("gw1", "sink0", 1234567, 1, 255),
            "gw-event/received_data/gw1/sink0/1234567/1/255");
  EXPECT_EQ(ReceivedDataTopic("gw1", "sink0", std::nullopt, 0, 0),
            "gw-event/received_data/gw1/sink0/None/0/0");
  EXPECT_EQ(RequestTopic(Method::kGetConfigs, "gw1"), "gw-request/get_configs/gw1");
  EXPECT_EQ(RequestTopic(Method::kGetConfigs, "gw1", "sink0"), "gw-request/get_configs/gw1");
  EXPECT_EQ(ResponseTopic(Method::kGetGwInfo, "gw1"), "gw-response/get_gw_info/gw1");
  EXPECT_EQ(RequestTopic(Method::kSendData, "gw1", "sink0"), "gw-request/send_data/gw1/sink0");
  EXPECT_EQ(ResponseTopic(Method::kOtapSetTargetScratchpad, "gw1", "sink1"),
            "gw-response/otap_set_target_scratchpad/gw1/sink1");
}

TEST(TopicTest, SubscriptionFilters) {
  EXPECT_EQ(kStatusFilter, "gw-event/status/+");
  EXPECT_EQ(kReceivedDataFilter, "gw-event/received_data/+/+/+/+/+");
  EXPECT_EQ(kResponseFilter, "gw-response/#");
  EXPECT_EQ(kReceivedDataAllFilter, "gw-event/received_data/#");
  EXPECT_EQ(kSendDataAllFilter, "gw-request/send_data/#");
  EXPECT_EQ(
      ReceivedDataFilter(std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt),
      kReceivedDataFilter);
  EXPECT_EQ(ReceivedDataFilter(std::nullopt, std::nullopt, 1234, 10, std::nullopt),
            "gw-event/received_data/+/+/1234/10/+");
  EXPECT_EQ(ReceivedDataFilter("gw", "sink0", std::nullopt, std::nullopt, 0),
            "gw-event/received_data/gw/sink0/+/+/0");
}

TEST(TopicTest, ParsesStatus) {
  auto topic = ParseTopic("gw-event/status/my-gateway");
  ASSERT_TRUE(topic.ok()) << topic.status();
  EXPECT_EQ(topic->kind, TopicKind::kStatus);
  EXPECT_EQ(topic->gw_id, "my-gateway");
  EXPECT_EQ(topic->sink_id, "");
}

TEST(TopicTest, ParsesReceivedData) {
  auto topic = ParseTopic("gw-event/received_data/gw1/sink0/18446744073709551615/0/255");
  ASSERT_TRUE(topic.ok()) << topic.status();
  EXPECT_EQ(topic->kind, TopicKind::kReceivedData);
  EXPECT_EQ(topic->gw_id, "gw1");
  EXPECT_EQ(topic->sink_id, "sink0");
  EXPECT_EQ(topic->network_address, UINT64_MAX);
  EXPECT_EQ(topic->src_ep, 0);
  EXPECT_EQ(topic->dst_ep, 255);
}

TEST(TopicTest, NoneNetworkMeansUnknown) {
  auto topic = ParseTopic("gw-event/received_data/gw1/sink0/None/1/2");
  ASSERT_TRUE(topic.ok()) << topic.status();
  EXPECT_EQ(topic->network_address, std::nullopt);
  EXPECT_EQ(topic->src_ep, 1);
  EXPECT_EQ(topic->dst_ep, 2);
}

TEST(TopicTest, LeadingZerosAreStillDecimal) {
  auto topic = ParseTopic("gw-event/received_data/gw1/sink0/007/010/001");
  ASSERT_TRUE(topic.ok()) << topic.status();
  EXPECT_EQ(topic->network_address, 7u);
  EXPECT_EQ(topic->src_ep, 10);
  EXPECT_EQ(topic->dst_ep, 1);
}

TEST(TopicTest, RoundTripsEveryTopic) {
  std::vector<Topic> topics;
  Topic status;
  status.kind = TopicKind::kStatus;
  status.gw_id = "gw-1";
  topics.push_back(status);
  for (const std::optional<uint64_t> network :
       {std::optional<uint64_t>(0), std::optional<uint64_t>(0xABCDEF),
        std::optional<uint64_t>(UINT64_MAX), std::optional<uint64_t>()}) {
    Topic data;
    data.kind = TopicKind::kReceivedData;
    data.gw_id = "123456789012";  // reference gateways fall back to the MAC as an integer
    data.sink_id = "sink9";
    data.network_address = network;
    data.src_ep = 255;
    data.dst_ep = 1;
    topics.push_back(data);
  }
  for (const TopicKind kind : {TopicKind::kRequest, TopicKind::kResponse}) {
    for (const Method method : kAllMethods) {
      Topic topic;
      topic.kind = kind;
      topic.method = method;
      topic.gw_id = "gw.with-dots_and_underscores";
      if (MethodHasSink(method)) topic.sink_id = "sink0";
      topics.push_back(topic);
    }
  }
  for (const Topic& topic : topics) {
    const std::string text = FormatTopic(topic);
    auto parsed = ParseTopic(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status();
    EXPECT_EQ(*parsed, topic) << text;
    EXPECT_EQ(FormatTopic(*parsed), text);
  }
  EXPECT_EQ(topics.size(), 1u + 4u + 2u * kMethodCount);
}

TEST(TopicTest, BuilderOutputParsesBack) {
  auto request = ParseTopic(RequestTopic(Method::kOtapLoadScratchpad, "gw", "sink2"));
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->kind, TopicKind::kRequest);
  EXPECT_EQ(request->method, Method::kOtapLoadScratchpad);
  EXPECT_EQ(request->sink_id, "sink2");
  auto response = ParseTopic(ResponseTopic(Method::kGetConfigs, "gw"));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->kind, TopicKind::kResponse);
  EXPECT_EQ(response->method, Method::kGetConfigs);
  EXPECT_EQ(response->sink_id, "");
}

struct Malformed {
  std::string topic;
  std::string reason;  // expected in the error message
};

TEST(TopicTest, RejectsMalformedTopicsWithAReason) {
  const Malformed cases[] = {
      {"", "unknown prefix"},
      {"gw-event", "unknown prefix"},
      {"gw-events/status/gw", "unknown prefix"},
      {"GW-EVENT/status/gw", "unknown prefix"},
      {"/gw-event/status/gw", "unknown prefix"},
      {"gw-request", "unknown prefix"},
      {"gw-event/status", "exactly one segment"},
      {"gw-event/status/", "empty gateway id"},
      {"gw-event/status/gw/extra", "exactly one segment"},
      {"gw-event/unknown/gw", "unknown event type"},
      {"gw-event//gw", "unknown event type"},
      {"gw-event/status/+", "'+' at offset 16 is not allowed"},
      {"gw-event/status/#", "'#' at offset 16 is not allowed"},
      {"gw-event/status/g\0w"s, "'\\x00' at offset 17 is not allowed"},
      {"gw-event/received_data/gw/sink/1/2", "five segments"},
      {"gw-event/received_data/gw/sink/1/2/3/4", "five segments"},
      {"gw-event/received_data/gw/sink/1/2/3/4/5/6/7", "five segments"},
      {"gw-event/received_data//sink/1/2/3", "empty gateway id"},
      {"gw-event/received_data/gw//1/2/3", "empty sink id"},
      {"gw-event/received_data/gw/sink//2/3", "network '' is neither"},
      {"gw-event/received_data/gw/sink/abc/2/3", "network 'abc' is neither"},
      {"gw-event/received_data/gw/sink/-1/2/3", "network '-1'"},
      {"gw-event/received_data/gw/sink/0x10/2/3", "network '0x10'"},
      {"gw-event/received_data/gw/sink/none/2/3", "network 'none'"},
      {"gw-event/received_data/gw/sink/18446744073709551616/2/3", "neither a decimal uint64"},
      {"gw-event/received_data/gw/sink/1/256/3", "source endpoint '256'"},
      {"gw-event/received_data/gw/sink/1/2/256", "destination endpoint '256'"},
      {"gw-event/received_data/gw/sink/1//3", "source endpoint ''"},
      {"gw-event/received_data/gw/sink/1/ 2/3", "source endpoint ' 2'"},
      {"gw-event/received_data/gw/sink/1/2/3a", "destination endpoint '3a'"},
      {"gw-event/received_data/gw/sink/1/99999999999999999999999/3", "0-255"},
      {"gw-event/received_data/gw/sink/1/2/", "destination endpoint ''"},
      {"gw-request/", "unknown method ''"},
      {"gw-request/unknown/gw", "unknown method 'unknown'"},
      {"gw-request/Get_configs/gw", "unknown method"},
      {"gw-response/get_gw_status/gw", "unknown method"},
      {"gw-request/get_configs", "get_configs takes only <gw_id>"},
      {"gw-request/get_configs/gw/sink0", "get_configs takes only <gw_id>"},
      {"gw-response/get_gw_info/gw/sink0", "get_gw_info takes only <gw_id>"},
      {"gw-request/set_config/gw", "set_config takes <gw_id>/<sink_id>"},
      {"gw-response/send_data/gw/sink/x", "send_data takes <gw_id>/<sink_id>"},
      {"gw-request/get_configs/", "empty gateway id"},
      {"gw-request/otap_status/gw/", "empty sink id"},
      {"gw-request/otap_status//sink", "empty gateway id"},
      {"gw-request/send_data/+/+", "not allowed"},
      {"gw-response/#", "not allowed"},
      {"gw-event/received_data/+/+/+/+/+", "not allowed"},
      {"gw-event/status/\xff\xfe/x", "exactly one segment"},
  };
  for (const Malformed& c : cases) {
    auto topic = ParseTopic(c.topic);
    ASSERT_FALSE(topic.ok()) << "accepted: " << c.topic;
    EXPECT_EQ(topic.status().code(), absl::StatusCode::kInvalidArgument) << c.topic;
    EXPECT_NE(topic.status().message().find(c.reason), std::string_view::npos)
        << "topic: " << c.topic << "\nmessage: " << topic.status().message()
        << "\nexpected: " << c.reason;
  }
}

TEST(TopicTest, LongGarbageIsQuotedShortAndEscaped) {
  const std::string topic = "nope/" + std::string(1000, '\x01');
  auto parsed = ParseTopic(topic);
  ASSERT_FALSE(parsed.ok());
  EXPECT_LT(parsed.status().message().size(), 400u);
  EXPECT_EQ(parsed.status().message().find('\x01'), std::string_view::npos);
}

TEST(TopicTest, IsValidTopicId) {
  EXPECT_TRUE(IsValidTopicId("gw-1"));
  EXPECT_TRUE(IsValidTopicId("sink0"));
  EXPECT_FALSE(IsValidTopicId(""));
  EXPECT_FALSE(IsValidTopicId("a/b"));
  EXPECT_FALSE(IsValidTopicId("a+"));
  EXPECT_FALSE(IsValidTopicId("#"));
  EXPECT_FALSE(IsValidTopicId("a\0b"s));
}

// Arbitrary inputs, some built from topic fragments so that deep branches are reached, must
// never crash; whatever parses must format back to a topic that parses to the same value.
TEST(TopicTest, RandomInputsNeverCrash) {
  const std::vector<std::string> pieces = {"gw-event/",
                                           "gw-request/",
                                           "gw-response/",
                                           "status",
                                           "received_data",
                                           "get_configs",
                                           "get_gw_info",
                                           "send_data",
                                           "otap_status",
                                           "set_configuration_data_item",
                                           "/",
                                           "//",
                                           "+",
                                           "#",
                                           "None",
                                           "0",
                                           "255",
                                           "256",
                                           "18446744073709551615",
                                           "18446744073709551616",
                                           "gw",
                                           "sink0",
                                           "",
                                           "\0"s,
                                           "\xff",
                                           "-",
                                           " ",
                                           "00000000000000000000000000000042"};
  std::mt19937 random(20240917);
  int parsed_count = 0;
  for (int i = 0; i < 100000; ++i) {
    std::string input;
    if (i % 2 == 0) {
      const int length = std::uniform_int_distribution<int>(0, 80)(random);
      for (int j = 0; j < length; ++j) {
        input.push_back(static_cast<char>(std::uniform_int_distribution<int>(0, 255)(random)));
      }
    } else {
      const int count = std::uniform_int_distribution<int>(1, 12)(random);
      for (int j = 0; j < count; ++j) {
        input += pieces[std::uniform_int_distribution<size_t>(0, pieces.size() - 1)(random)];
      }
    }
    auto topic = ParseTopic(input);
    if (!topic.ok()) {
      EXPECT_EQ(topic.status().code(), absl::StatusCode::kInvalidArgument);
      continue;
    }
    ++parsed_count;
    EXPECT_TRUE(IsValidTopicId(topic->gw_id)) << input;
    auto again = ParseTopic(FormatTopic(*topic));
    ASSERT_TRUE(again.ok()) << input;
    EXPECT_EQ(*again, *topic) << input;
  }
  EXPECT_GT(parsed_count, 0);  // the fragments do reach valid topics
}

}  // namespace
}  // namespace wm::wirepas
