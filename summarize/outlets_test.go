package summarize

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/neardup"
)

// wireBody is a news agency's story, written for this test, as outlets
// carry it: each lightly edits it (a house dateline, a word changed, the
// last paragraph dropped, an editor's note added) under its own headline.
var wireBody = []string{
	"Harbour officials in Port Elling closed the northern shipping channel on Tuesday after a cargo vessel carrying timber ran aground on a sandbank during a storm.",
	"The Marisol, a 140-metre freighter registered in Malta, lost engine power shortly after midnight and drifted for two hours before striking the bank, the port authority said in a statement.",
	"All 19 crew members were reported safe, and no fuel had leaked into the water by Tuesday afternoon, according to the coastguard, which flew a team of inspectors to the ship at first light.",
	"Salvage crews expect to refloat the vessel at high tide on Thursday, though forecasters warned that strong winds could delay the operation until the weekend.",
	"About 30 ships a day use the channel, and the port said incoming traffic would be diverted to the southern approach, adding roughly four hours to each journey.",
}

// wireCopies are five outlets' copies of wireBody.
func wireCopies() []briefbot.Article {
	edit := func(i int, f func([]string) []string) []string {
		return f(append([]string(nil), wireBody...))
	}
	return []briefbot.Article{
		art("agency/1", "Freighter runs aground, closing Port Elling channel", "agency.example", 5, wireBody...),
		art("coast/7", "Storm drives timber ship onto sandbank", "coastnews.example", 5, edit(0, func(p []string) []string {
			p[0] = "PORT ELLING — " + p[0]
			return p
		})...),
		art("daily/22", "Shipping halted after Marisol grounding", "dailyherald.example", 5, edit(0, func(p []string) []string {
			return p[:4]
		})...),
		art("metro/3", "Crew safe as cargo vessel strands in storm", "metro.example", 6, edit(0, func(p []string) []string {
			p[2] = strings.Replace(p[2], "reported safe", "said to be safe", 1)
			return p
		})...),
		// The gazette puts its own reporting first: its lead is not the
		// agency's, so only the copied body ties it to the story.
		art("gazette/9", "Lights offshore: what we know", "gazette.example", 6, edit(0, func(p []string) []string {
			intro := "Residents woke on Tuesday to flashing lights beyond the lighthouse. " +
				"Many said they had heard a horn sounding through the night. " +
				"Fishermen who went out at dawn described waves breaking against a hull. " +
				"Here is the full report from our partners."
			return append([]string{intro}, append(p, "Editor's note: this story has been updated with the coastguard's statement.")...)
		})...),
	}
}

// otherStories are three unrelated stories, one article each.
func otherStories() []briefbot.Article {
	return []briefbot.Article{
		art("lib", "City library reopens after two-year renovation", "citypaper.example", 5,
			"The central library reopened on Saturday after a two-year renovation that added a rooftop reading garden and a children's wing.",
			"Librarians said more than 4,000 visitors came through the doors on the first day."),
		art("marathon", "Kenyan runner sets course record in Lakeside marathon", "sportsdesk.example", 6,
			"Kenyan runner Ruth Chebet won the Lakeside marathon on Sunday in 2 hours 19 minutes, a course record by almost a minute.",
			"Chebet pulled away from the leading group at the 30-kilometre mark and finished alone."),
		art("vaccine", "Regulator approves cheaper malaria vaccine", "healthwire.example", 6,
			"The national medicines regulator approved a malaria vaccine that costs a third of the current one, clearing the way for a rollout in the spring.",
			"Health ministers said the first two million doses would go to districts with the highest infection rates."),
	}
}

func TestOneStoryFromFiveOutletsCountsOnce(t *testing.T) {
	arts := append(wireCopies(), otherStories()...)
	for _, n := range []int{4, 8} {
		s := Articles(arts, Options{Sentences: n})
		mustKeepRules(t, s, arts)
		wire := -1
		for k, st := range s.Stories {
			if strings.HasPrefix(st.Articles[0], "agency/") || len(st.Articles) > 1 {
				if wire >= 0 {
					t.Fatalf("%d points: the wire story is in two stories: %+v", n, s.Stories)
				}
				wire = k
			}
		}
		if wire < 0 {
			t.Fatalf("%d points: no story holds the wire copies: %+v", n, s.Stories)
		}
		if st := s.Stories[wire]; len(st.Articles) != 5 || st.Outlets != 5 {
			t.Errorf("%d points: wire story has articles %v and %d outlets, want all 5 copies and 5 outlets", n, st.Articles, st.Outlets)
		}
		if len(s.Stories) != 4 {
			t.Errorf("%d points: %d stories, want 4: %+v", n, len(s.Stories), s.Stories)
		}
		points := 0
		for _, p := range s.Points {
			if p.Story == wire {
				points++
			}
		}
		// Four points are one for each story; eight give the wire story
		// more, none of them a copy of another (mustKeepRules).
		if n == 4 && points != 1 {
			t.Errorf("4 points: the wire story has %d, want 1: %q", points, texts(s))
		}
	}
}

func TestOutletsAreDistinctSources(t *testing.T) {
	// One story from two articles of one outlet and two unattributed
	// articles: three outlets (an article without a source is its own).
	lead := "Regional trains between Arlen and Bestow stopped running on Monday after a landslide buried the line near the Corran tunnel."
	arts := []briefbot.Article{
		art("a1", "Landslide stops Arlen trains", "rail.example", 3, lead, "Engineers said clearing the line would take at least a week."),
		art("a2", "Arlen line to stay shut for a week after landslide", "rail.example", 3, lead+" Buses will replace trains.", "The operator said buses would run every half hour."),
		art("a3", "Landslide near Corran tunnel halts trains", "", 3, lead, "Passengers were told to expect delays of an hour."),
		art("a4", "Trains halted by landslide near Arlen", "", 4, lead, "Local councillors called for a review of slope safety."),
	}
	// Other stories beside it give the words the four share their weight.
	arts = append(arts, otherStories()...)
	s := Articles(arts, Options{Sentences: 1})
	if len(s.Stories) != 1 || len(s.Stories[0].Articles) != 4 {
		t.Fatalf("want the story of four articles first: %+v", s.Stories)
	}
	if got := s.Stories[0].Outlets; got != 3 {
		t.Errorf("Outlets = %d, want 3 (one named source, two unattributed articles)", got)
	}
	one := Articles(arts[:1], Options{Sentences: 1})
	if len(one.Stories) != 1 || one.Stories[0].Outlets != 1 {
		t.Errorf("one article: stories %+v, want one of 1 outlet", one.Stories)
	}
}

func TestMoreOutletsFirstAmongEqualStories(t *testing.T) {
	// Two stories of two reports each, one carried by two outlets, one by
	// one; the older story is the two-outlet one, so only the outlet count
	// puts it first.
	ferry := []briefbot.Article{
		art("f1", "Ferry strike cancels island crossings", "isles.example", 2,
			"Ferry workers walked out on Friday, cancelling every crossing to the Tarn islands for the weekend.",
			"The union said talks over pay had broken down."),
		art("f2", "Tarn islands cut off as ferry crews strike", "mainland.example", 2,
			"Crossings to the Tarn islands were cancelled after ferry workers went on strike over pay on Friday.",
			"Island shops warned of shortages if the strike lasts."),
	}
	comet := []briefbot.Article{
		art("c1", "Bright comet visible before dawn this week", "sky.example", 4,
			"A bright comet named Okabe-Lind will be visible to the naked eye before dawn all week, astronomers said.",
			"It will not return for another 3,000 years."),
		art("c2", "How to see comet Okabe-Lind", "sky.example", 4,
			"Comet Okabe-Lind is best seen low in the eastern sky about an hour before dawn, astronomers said.",
			"Binoculars help in towns with street lighting."),
	}
	for _, arts := range [][]briefbot.Article{append(append([]briefbot.Article{}, ferry...), comet...), append(append([]briefbot.Article{}, comet...), ferry...)} {
		s := Articles(arts, Options{Sentences: 1})
		if len(s.Stories) != 1 || s.Stories[0].Outlets != 2 || !strings.Contains(s.Stories[0].Title, "erry") {
			t.Errorf("one point should go to the ferry story (2 outlets): %+v", s.Stories)
		}
	}
}

func TestStoredSignaturesGiveTheSameSummary(t *testing.T) {
	arts := append(wireCopies(), otherStories()...)
	want := Articles(arts, Options{Sentences: 6})
	sigs := make([]neardup.Signature, len(arts))
	for i, a := range arts {
		full := neardup.Sign(a)
		sigs[i] = neardup.Compact(&full)
	}
	got := Articles(arts, Options{Sentences: 6, Signatures: sigs})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("with stored signatures:\n%+v\nwant\n%+v", got, want)
	}
	// A signature list of the wrong length is ignored, not misread.
	if short := Articles(arts, Options{Sentences: 6, Signatures: sigs[:3]}); !reflect.DeepEqual(short, want) {
		t.Errorf("with 3 signatures for %d articles: %s", len(arts), fmt.Sprint(texts(short)))
	}
}
