@section-6
Feature: The article's conclusion (article, key takeaways)
  The article closes with four lessons: minimising the mean squared error finds
  the optimal parameters; gradient descent steps downhill; initialisation,
  learning rate and epochs are all crucial; and its implementation matches
  scikit-learn. The last is covered under section 5; we test the others on the
  diabetes data. Runs longer than the article's, or from another start, are not
  looped: the implementation's own update, read off its gradient and checked
  against its own training runs, is applied the stated number of times exactly.
  Article's section: "Conclusion"

  @claim-6.1 @holds
  Rule: Minimising the loss gives the least-squares optimum
    The loss is a convex quadratic: where its gradient vanishes it is lowest.
    That this optimum is scikit-learn's model is shown under claim 5.4.
    Article: "finds optimal parameters by minimizing Mean Squared Error" (conclusion)
    Builds on: claim-2.3

    Scenario: The loss is flat at the least-squares parameters
      Given the article's split of the diabetes data
      When least squares is solved on the training rows
      Then the gradient of the loss there is zero to rounding

    Scenario: The loss curves upward in every direction
      Given the article's split of the diabetes data
      When we take the eigenvalues of the loss's Hessian, read off the implementation's gradient
      Then none of them is negative, so the flat point is the lowest

  @claim-6.2 @holds
  Rule: A small enough step against the gradient lowers the loss from any point
    The loss's change along -g starts at -|g|^2, negative wherever g is not zero.
    Article: "updates parameters in the direction that reduces loss" (conclusion)
    Builds on: claim-2.1, claim-2.3, claim-2.5

    Scenario Outline: One small step against the gradient from <start>
      Given the article's split of the diabetes data
      When the model takes one step against the gradient from <start>, at a hundredth of the stable learning rate
      Then the loss after the step is lower than before it

      Examples:
        | start                     |
        | the all-zero model        |
        | gradient descent's result |
        | random parameters         |

  @claim-6.3 @conditional
  Rule: Initialisation matters only within a budget of epochs; given enough, every start reaches the same optimum
    The loss is a convex quadratic with a single minimum, so gradient descent at a
    stable learning rate converges to it from anywhere. Within the article's
    200,000 epochs at 0.01, though, the flat directions keep much of where training
    started, so the start shows in the final loss.
    Article: "Proper initialization ... [is] crucial" (conclusion)
    Builds on: claim-2.1, claim-2.3, claim-2.5

    Scenario Outline: After the article's 200,000 epochs from <start> the training loss is <loss>
      Given the implementation's update on the training rows, checked against its own 200,000-epoch run
      When the update is applied 200,000 times at learning rate 0.01 from <start>
      Then its training loss is <loss> to two decimals

      Examples:
        | start                     | loss    |
        | the all-zero model        | 1392.54 |
        | random parameters         | 1426.34 |
        | the least-squares optimum | 1374.64 |

    Scenario Outline: Gradient descent from <start> reaches the least-squares optimum
      Given the implementation's update on the training rows, checked against its own 200,000-epoch run
      When the update is applied 1,000,000,000 times at learning rate 0.01 from <start>
      Then its parameters equal the least-squares optimum's to seven significant figures

      Examples:
        | start                     |
        | the all-zero model        |
        | gradient descent's result |
        | random parameters         |

  @claim-6.4 @holds
  Rule: The learning rate decides between convergence and divergence
    Article: "learning rate selection ... [is] crucial" (conclusion)
    Builds on: claim-2.3, claim-2.4, claim-2.5

    Scenario Outline: Training at <rate>
      Given the article's split of the diabetes data
      When the model trains for 1,000 epochs at <rate>
      Then the final loss is <outcome> the first

      Examples:
        | rate                                 | outcome                   |
        | 0.99 times the stable learning rate  | below                     |
        | 1.01 times the stable learning rate  | more than a million times |

  @claim-6.5 @holds
  Rule: The number of epochs decides how close training gets to the optimum
    Article: "sufficient training epochs are crucial" (conclusion)
    Builds on: claim-2.1, claim-2.3, claim-2.5

    Scenario Outline: After <epochs> epochs at 0.01 the loss is <excess> % above the optimum's
      Given the implementation's update on the training rows, checked against its own 200,000-epoch run
      When the update is applied <epochs> times at learning rate 0.01
      Then its training loss is <excess> % above the optimum's to two decimals

      Examples:
        | epochs        | excess |
        | 100,000       | 1.94   |
        | 1,000,000     | 0.92   |
        | 10,000,000    | 0.03   |
        | 1,000,000,000 | 0.00   |
